import { expect } from 'vitest';
import { ErrorCode, isParleyError } from '@parley/protocol';
import { T0, allHits, docOf, expectedByRule, found, indexMessages, keyOf, keys, newestOrder, queryOf, type Message, type SearchCheck } from './search-fixtures.js';

/**
 * 60 messages over three conversations whose ids sort differently from their creation, with
 * only 12 distinct timestamps: most hits tie in `ts` with hits of other conversations.
 */
function tiedMessages(): Message[] {
  const ids = ['m-b', 'm-c', 'm-a'];
  return Array.from({ length: 60 }, (_, i) => ({
    conversationId: ids[i % 3]!,
    seq: Math.floor(i / 3) + 1,
    ts: T0 + Math.floor(i / 5) * 1000,
    senderId: i % 4 === 0 ? 'bob' : 'alice',
    text: i % 7 === 3 ? 'weekly sync moved' : `weekly update number ${i}`,
  }));
}

async function expectRefusedCursor(run: () => Promise<unknown>, what: string): Promise<void> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `${what} was accepted`).not.toBeNull();
  expect(isParleyError(error) && error.code === ErrorCode.BAD_FRAME, `${what}: ${String(error)}`).toBe(true);
}

/** Orders, pages, cursors, batches and the index's own account of itself. */
export const searchPageChecks: readonly SearchCheck[] = [
  {
    name: 'pages in newest order give every hit once, by ts, then conversation id, then seq (all descending), ties in ts included',
    async run({ index }) {
      const messages = tiedMessages();
      await indexMessages(index, messages);
      const ids = ['m-a', 'm-b', 'm-c'];
      const matching = (text: string) => messages.filter((m) => expectedByRule([m], text).length === 1);
      for (const limit of [1, 7, 20, 50]) {
        const hits = await allHits(index, queryOf(ids, 'weekly', { limit }));
        expect(hits.map(keyOf), `pages of ${limit}`).toEqual(newestOrder(messages));
      }
      const synced = await allHits(index, queryOf(ids, 'weekly sync', { limit: 2 }));
      expect(synced.map(keyOf)).toEqual(newestOrder(matching('weekly sync')));
      const bobs = await allHits(index, queryOf(ids, 'update', { limit: 3, senderId: 'bob', before: T0 + 10_000 }));
      expect(bobs.map(keyOf)).toEqual(newestOrder(matching('update').filter((m) => m.senderId === 'bob' && m.ts! < T0 + 10_000)));
    },
  },
  {
    name: 'the newest order follows ts where later seqs carry older times (nodes\' clocks) and where a message is indexed after later ones',
    async run({ index }) {
      const at = (seq: number) => T0 + seq * 1000;
      const skewed: Record<number, number> = { 7: at(29) + 500, 25: T0 + 500, 12: at(40), 3: T0 + 100, 18: at(18) - 4000 };
      const message = (conversationId: string, seq: number): Message => ({ conversationId, seq, ts: conversationId === 'x' ? (skewed[seq] ?? at(seq)) : at(seq) + 1, text: `status update ${seq}` });
      const x = Array.from({ length: 30 }, (_, i) => message('x', i + 1));
      const y = Array.from({ length: 30 }, (_, i) => message('y', i + 1));
      // In z times follow seqs, but for 5, the newest of all, which comes last.
      const z = Array.from({ length: 20 }, (_, i): Message => ({ conversationId: 'z', seq: i + 1, ts: i === 4 ? at(50) : at(i + 1) + 2, text: `status report ${i + 1}` }));
      // 12 and 3 come last: an edit gave them back their text after later messages were indexed.
      const late = (m: Message) => m.seq === 12 || m.seq === 3;
      await indexMessages(index, [...x.filter((m) => !late(m) && m.seq <= 20), ...y, ...z.filter((m) => m.seq !== 5)]);
      await indexMessages(index, x.filter((m) => m.seq > 20));
      await indexMessages(index, [...x.filter(late), z[4]!]);
      const all = [...x, ...y, ...z];
      for (const limit of [1, 4, 7, 50]) {
        expect((await allHits(index, queryOf(['x', 'y', 'z'], 'status', { limit }))).map(keyOf), `pages of ${limit}`).toEqual(newestOrder(all));
        expect((await allHits(index, queryOf(['x'], 'update', { limit }))).map(keyOf), `x, pages of ${limit}`).toEqual(newestOrder(x));
        expect((await allHits(index, queryOf(['z'], 'report', { limit }))).map(keyOf), `z, pages of ${limit}`).toEqual(newestOrder(z));
      }
      const between = (m: Message) => m.ts! > T0 + 2000 && m.ts! < at(20);
      expect((await allHits(index, queryOf(['x', 'y', 'z'], 'status', { limit: 3, after: T0 + 2000, before: at(20) }))).map(keyOf)).toEqual(newestOrder(all.filter(between)));
      // Every message scores the same: relevance is the newest order too.
      expect((await allHits(index, queryOf(['x', 'y', 'z'], 'status', { limit: 4, order: 'relevance' }))).map(keyOf)).toEqual(newestOrder(all));
    },
  },
  {
    name: 'a search of many conversations gives theirs only, in order, for a word in most messages and for a rare one',
    async run({ index }) {
      const ids = Array.from({ length: 80 }, (_, c) => `g${String(c).padStart(2, '0')}`);
      const messages: Message[] = ids.flatMap((conversationId, c) =>
        Array.from({ length: 30 }, (_, i) => ({
          conversationId,
          seq: i + 1,
          ts: T0 + (i + 1) * 1000 + ((c * 7) % 80),
          text: `common chatter ${(i + c) % 23 === 0 ? 'rareword' : 'other'} ${i}`,
        })),
      );
      await indexMessages(index, messages);
      const mine = ids.slice(5, 75);
      const scoped = messages.filter((m) => mine.includes(m.conversationId));
      const first = await index.query(queryOf(mine, 'common', { limit: 20 }));
      const second = await index.query(queryOf(mine, 'common', { limit: 20, cursor: first.cursor! }));
      expect([...first.hits, ...second.hits].map(keyOf)).toEqual(newestOrder(scoped).slice(0, 40));
      const rare = scoped.filter((m) => m.text.includes('rareword'));
      expect((await allHits(index, queryOf(mine, 'rareword', { limit: 30 }))).map(keyOf)).toEqual(newestOrder(rare));
      expect((await allHits(index, queryOf(mine, 'rare common', { limit: 30, before: T0 + 15_000 }))).map(keyOf)).toEqual(newestOrder(rare.filter((m) => m.ts! < T0 + 15_000)));
      const ranked = (await allHits(index, queryOf(mine, 'rareword', { limit: 30, order: 'relevance' }))).map(keyOf);
      expect([...ranked].sort()).toEqual(newestOrder(rare).sort());
    },
  },
  {
    name: 'pages in relevance order give every hit once',
    async run({ index }) {
      const messages = tiedMessages();
      await indexMessages(index, messages);
      const ids = ['m-a', 'm-b', 'm-c'];
      for (const [query, limit] of [['weekly', 7], ['weekly', 1], ['sync', 2], ['update number', 9]] as const) {
        const hits = (await allHits(index, queryOf(ids, query, { order: 'relevance', limit }))).map(keyOf);
        expect(new Set(hits).size, `${query} by ${limit}: a hit repeated`).toBe(hits.length);
        expect([...hits].sort(), `${query} by ${limit}`).toEqual(expectedByRule(messages, query));
      }
    },
  },
  {
    name: 'relevance puts the better match first: a message that is the word before a long one that mentions a longer word it starts, more mentions before fewer; equal matches newest first',
    async run({ index }) {
      await indexMessages(index, [
        { conversationId: 'r', seq: 1, text: 'deploy', ts: T0 },
        { conversationId: 'r', seq: 2, text: 'we talked for a long time about the deployment of the new release and nothing else at all today', ts: T0 + 5000 },
        { conversationId: 'r', seq: 3, text: 'budget review budget cuts budget', ts: T0 },
        { conversationId: 'r', seq: 4, text: 'budget review meeting notes and cuts', ts: T0 + 5000 },
        { conversationId: 'r', seq: 5, text: 'lunch', ts: T0 + 1000 },
        { conversationId: 'r', seq: 6, text: 'lunch', ts: T0 + 3000 },
        { conversationId: 'r', seq: 7, text: 'lunch', ts: T0 + 2000 },
      ]);
      const order = async (query: string, limit = 10) => (await index.query(queryOf(['r'], query, { order: 'relevance', limit }))).hits.map(keyOf);
      expect(await order('deploy')).toEqual(['r#1', 'r#2']);
      expect(await order('budget')).toEqual(['r#3', 'r#4']);
      // Equal matches: newest first.
      expect(await order('lunch')).toEqual(['r#6', 'r#7', 'r#5']);
      expect((await allHits(index, queryOf(['r'], 'lunch', { order: 'relevance', limit: 1 }))).map(keyOf)).toEqual(['r#6', 'r#7', 'r#5']);
    },
  },
  {
    name: 'a page holds at most limit hits; a search that finds nothing answers no hits and no cursor',
    async run({ index }) {
      await indexMessages(index, Array.from({ length: 12 }, (_, i) => ({ conversationId: 'c', seq: i + 1, text: `ticket ${i + 1} closed` })));
      for (const order of ['newest', 'relevance'] as const) {
        const first = await index.query(queryOf(['c'], 'ticket', { limit: 5, order }));
        expect(first.hits).toHaveLength(5);
        expect(first.cursor, order).toBeDefined();
        const nothing = await index.query(queryOf(['c'], 'opened', { limit: 5, order }));
        expect(nothing).toEqual({ hits: [] });
        const all = await index.query(queryOf(['c'], 'closed', { limit: 50, order }));
        expect(all.hits).toHaveLength(12);
        expect(all.cursor, `${order}: a cursor after the last hit`).toBeUndefined();
      }
      expect((await index.query(queryOf(['c'], 'ticket', { limit: 12 }))).hits.map(keyOf)).toEqual(
        Array.from({ length: 12 }, (_, i) => `c#${12 - i}`),
      );
    },
  },
  {
    name: 'a cursor the index did not make is refused with BAD_FRAME',
    async run({ index }) {
      await indexMessages(index, [{ conversationId: 'c', seq: 1, text: 'anything' }]);
      for (const cursor of ['not a cursor', '', '%%%', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"ts":1}').toString('base64url')]) {
        for (const order of ['newest', 'relevance'] as const) {
          await expectRefusedCursor(() => index.query(queryOf(['c'], 'anything', { cursor, order })), `cursor ${JSON.stringify(cursor)} (${order})`);
        }
      }
    },
  },
  {
    name: 'a large batch is applied whole',
    async run({ index }) {
      const words = ['red', 'green', 'blue', 'amber', 'violet'];
      const upserts = Array.from({ length: 3000 }, (_, i) => docOf({ conversationId: 'big', seq: i + 1, text: `item ${i + 1} is ${words[i % 5]} and ${words[(i * 7) % 5]}` }));
      await index.apply({ conversationId: 'big', upserts, removals: [], throughSeq: 3000 });
      expect((await index.indexedSeqs(['big'])).get('big')).toBe(3000);
      expect((await index.stats()).documents).toBe(3000);
      expect(await allHits(index, queryOf(['big'], 'item', { limit: 250 }))).toHaveLength(3000);
      const violet = upserts.filter((doc) => doc.tokens.split(' ').includes('violet')).length;
      expect(await allHits(index, queryOf(['big'], 'violet', { limit: 250, order: 'relevance' }))).toHaveLength(violet);
      expect(await found(index, ['big'], '"item 2999"')).toEqual(keys('big', 2999));
      expect(await found(index, ['big'], 'item 3000 red')).toEqual([]);
    },
  },
  {
    name: 'stats count the documents held, not removed ones, and their size',
    async run({ index }) {
      expect((await index.stats()).documents).toBe(0);
      await indexMessages(index, Array.from({ length: 10 }, (_, i) => ({ conversationId: i < 6 ? 'c' : 'd', seq: i + 1, text: `message number ${i}` })));
      const full = await index.stats();
      expect(full.documents).toBe(10);
      expect(full.bytes).toBeGreaterThan(0);
      await index.apply({ conversationId: 'c', upserts: [], removals: [{ seq: 1, version: 20 }, { seq: 2, version: 21 }, { seq: 99, version: 22 }], throughSeq: 22 });
      expect((await index.stats()).documents).toBe(8);
    },
  },
];
