import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  type AckFrame,
  type Change,
  type ConversationFrame,
  type ErrorFrame,
  type HistoryResultFrame,
  type SearchResultFrame,
} from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, sendText, until } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { storeMatrix } from './helpers/store-matrix.js';
import { changeOk } from './helpers/changes.js';

// Message search over real sockets, REST and the server API, on every store: only the user's
// conversations, edits by their new text only, deletes gone at once, a member who left finds
// nothing there, pages by cursor, and the history window around a seq that a hit jumps to.

const scope = testScope();

const search = (client: WireClient, query: string, extra: Record<string, unknown> = {}) =>
  client.request<SearchResultFrame | ErrorFrame>({ type: 'search', reqId: nextId('s-'), query, ...extra } as never);

async function found(client: WireClient, query: string, extra: Record<string, unknown> = {}): Promise<string[]> {
  const answer = await search(client, query, extra);
  if (answer.type !== 'search.result') throw new Error(`search failed: ${JSON.stringify(answer)}`);
  return answer.hits.map((hit) => hit.message.data.text ?? '');
}

const change = (client: WireClient, conversationId: string, ack: AckFrame, what: Change) => changeOk(client, conversationId, ack.eventId, what);

describe.each(storeMatrix('search'))('message search (%s store)', (_name, makeStore) => {
  it('finds messages of the user\'s conversations only, by the start of their words, newest first, with highlighted snippets', async () => {
    const server = await scope.server({ store: await makeStore() });
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob'], 'team');
    const secret = await createGroup(alice, ['carol'], 'secret');
    await sendText(alice, team, 'The quarterly planning meeting is on Monday');
    await sendText(alice, team, 'Lunch first, then the meeting');
    await sendText(alice, secret, 'A secret meeting about the surprise');
    await sendText(alice, team, 'Crème brûlée for dessert');

    const bob = await scope.wire(server, 'bob');
    expect(await found(bob, 'meet')).toEqual(['Lunch first, then the meeting', 'The quarterly planning meeting is on Monday']);
    expect(await found(bob, 'secret')).toEqual([]);
    expect(await found(bob, 'creme')).toEqual(['Crème brûlée for dessert']);
    expect(await found(bob, 'meeting monday')).toEqual(['The quarterly planning meeting is on Monday']);
    expect(await found(bob, '"planning meeting"')).toEqual(['The quarterly planning meeting is on Monday']);
    expect(await found(bob, '"meeting planning"')).toEqual([]);

    const answer = (await search(bob, 'plan')) as SearchResultFrame;
    const [hit] = answer.hits;
    expect(hit).toMatchObject({ conversationId: team, seq: expect.any(Number) });
    expect(hit!.snippet.slice(hit!.highlights[0]![0], hit!.highlights[0]![1])).toBe('plan');

    // Carol sees her conversation only; a conversation she is not in is the same NOT_FOUND as none.
    const carol = await scope.wire(server, 'carol');
    expect(await found(carol, 'meeting')).toEqual(['A secret meeting about the surprise']);
    const refused = (await search(carol, 'meeting', { conversationId: team })) as ErrorFrame;
    const missing = (await search(carol, 'meeting', { conversationId: 'no-such-conversation' })) as ErrorFrame;
    expect(refused).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    expect(missing).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND, message: refused.message });
    // Narrowed to one conversation, to one sender, to a time range.
    expect(await found(alice, 'meeting', { conversationId: secret })).toEqual(['A secret meeting about the surprise']);
    expect(await found(alice, 'meeting', { senderId: 'bob' })).toEqual([]);
    expect(await found(alice, 'meeting', { after: Date.now() + 60_000 })).toEqual([]);
  });

  it('finds an edited message by its new text only and a deleted one not at all, as soon as the change is acknowledged', async () => {
    const server = await scope.server({ store: await makeStore() });
    const alice = await scope.wire(server, 'alice');
    const bob = await scope.wire(server, 'bob');
    const team = await createGroup(alice, ['bob']);
    const typo = await sendText(alice, team, 'see you at the stadion');
    const gone = await sendText(alice, team, 'my password is hunter2');
    expect(await found(bob, 'stadion')).toEqual(['see you at the stadion']);
    expect(await found(bob, 'hunter2')).toEqual(['my password is hunter2']);

    await change(alice, team, typo, { kind: 'edit', text: 'see you at the station' });
    await change(alice, team, gone, { kind: 'delete' });
    expect(await found(bob, 'stadion')).toEqual([]);
    expect(await found(bob, 'station')).toEqual(['see you at the station']);
    expect(await found(bob, 'hunter2')).toEqual([]);
    expect(await found(bob, 'password')).toEqual([]);
  });

  it('finds nothing of a conversation the user left, while the members still do', async () => {
    const server = await scope.server({ store: await makeStore() });
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob', 'carol']);
    await sendText(alice, team, 'roadmap draft attached');
    const bob = await scope.wire(server, 'bob');
    expect(await found(bob, 'roadmap')).toEqual(['roadmap draft attached']);
    const removed = await alice.request<ConversationFrame | ErrorFrame>({ type: 'members.remove', reqId: nextId(), conversationId: team, userIds: ['bob'] });
    expect(removed.type).toBe('conversation');
    await sendText(alice, team, 'roadmap final version');
    expect(await found(bob, 'roadmap')).toEqual([]);
    expect(await search(bob, 'roadmap', { conversationId: team })).toMatchObject({ type: 'error', code: ErrorCode.NOT_FOUND });
    const carol = await scope.wire(server, 'carol');
    expect(await found(carol, 'roadmap')).toEqual(['roadmap final version', 'roadmap draft attached']);
  });

  it('pages by cursor in both orders without repeating or skipping a hit', async () => {
    const server = await scope.server({ store: await makeStore(), rateLimits: { sends: { perSecond: 1000, burst: 1000 } } });
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob']);
    for (let i = 0; i < 23; i++) await sendText(alice, team, `report number ${i}${i % 5 === 0 ? ' report report' : ''}`);
    await sendText(alice, team, 'nothing to see');
    for (const order of ['newest', 'relevance'] as const) {
      const texts: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const answer = (await search(alice, 'report', { order, limit: 10, ...(cursor ? { cursor } : {}) })) as SearchResultFrame;
        expect(answer.type).toBe('search.result');
        texts.push(...answer.hits.map((hit) => hit.message.data.text!));
        cursor = answer.cursor;
        if (!cursor) break;
      }
      expect(new Set(texts).size).toBe(23);
      expect(texts).toHaveLength(23);
      if (order === 'newest') expect(texts[0]).toBe('report number 22');
      else expect(texts.slice(0, 5).every((text) => text.endsWith('report report'))).toBe(true);
    }
  });
});

describe('message search: limits, REST and the server API', () => {
  it('refuses a query over the limit and a forged cursor (BAD_FRAME), answers a query of punctuation with nothing, and limits the rate', async () => {
    const server = await scope.server({ search: { rateLimit: { perSecond: 0.001, burst: 3 } } });
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob']);
    await sendText(alice, team, 'hello there');
    expect(await search(alice, 'x'.repeat(257))).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    expect(await search(alice, 'hello', { cursor: 'not-a-cursor' })).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    expect(await search(alice, '?!… 🎉')).toMatchObject({ type: 'search.result', hits: [] });
    expect(await search(alice, 'hello')).toMatchObject({ type: 'search.result' });
    expect(await search(alice, 'hello')).toMatchObject({ type: 'error', code: ErrorCode.RATE_LIMITED });
  });

  it('searches over REST with the same rules and through chat.api for the backend', async () => {
    const server = await scope.server();
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob']);
    await sendText(alice, team, 'invoice 2291 is paid');
    const get = async (user: string, query: string) => {
      const res = await fetch(`${server.url}/api/search?${query}`, { headers: { authorization: `Bearer ${await server.token(user)}` } });
      return { status: res.status, body: (await res.json()) as { hits?: Array<{ snippet: string }>; error?: { code: number } } };
    };
    const ok = await get('bob', 'q=invoice');
    expect(ok.status).toBe(200);
    expect(ok.body.hits?.map((hit) => hit.snippet)).toEqual(['invoice 2291 is paid']);
    expect((await get('carol', 'q=invoice')).body.hits).toEqual([]);
    expect(await get('carol', `q=invoice&conversation=${team}`)).toMatchObject({ status: 404 });
    expect(await get('bob', 'q=invoice&limit=lots')).toMatchObject({ status: 400 });
    expect(await get('bob', '')).toMatchObject({ status: 400 });

    const api = await server.chat.api.search('bob', { query: '2291' });
    expect(api.hits.map((hit) => hit.message.data.text)).toEqual(['invoice 2291 is paid']);
    await expect(server.chat.api.search('bob', { query: '' })).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
  });

  it('turns off: search refused with FORBIDDEN', async () => {
    const server = await scope.server({ search: false });
    const alice = await scope.wire(server, 'alice');
    expect(await search(alice, 'hello')).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
  });

  it('loads a window of history around a seq, gap-free, saying whether older and newer events exist', async () => {
    const server = await scope.server({ rateLimits: { sends: { perSecond: 1000, burst: 1000 } } });
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob']);
    const acks: AckFrame[] = [];
    for (let i = 0; i < 60; i++) acks.push(await sendText(alice, team, `message ${i}`));
    // Changes between them take seqs of their own, which a timeline page skips.
    await change(alice, team, acks[30]!, { kind: 'react', key: 'thumbs_up' });
    await change(alice, team, acks[31]!, { kind: 'edit', text: 'message 31 (edited)' });
    const around = async (aroundSeq: number, limit: number) =>
      alice.request<HistoryResultFrame>({ type: 'history', reqId: nextId(), conversationId: team, aroundSeq, limit });

    const middle = await around(acks[30]!.seq, 20);
    const texts = middle.events.filter((e) => e.kind === 'message').map((e) => (e.kind === 'message' ? e.data.text : ''));
    expect(texts).toContain('message 30');
    expect(texts).toContain('message 31 (edited)');
    expect(texts).toHaveLength(20);
    expect(texts.indexOf('message 30')).toBe(9);
    expect(middle).toMatchObject({ hasMore: true, hasNewer: true });
    const seqs = middle.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const end = await around(acks[58]!.seq, 20);
    expect(end.hasNewer).toBe(false);
    expect(end.events.at(-1)).toMatchObject({ kind: 'message', data: { text: 'message 59' } });
    const start = await around(acks[1]!.seq, 20);
    expect(start.hasMore).toBe(false);
    expect(await alice.request({ type: 'history', reqId: nextId(), conversationId: team, aroundSeq: 5, beforeSeq: 9 })).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
  });
});

describe.each(storeMatrix('search indexing').filter(([name]) => name !== 'memory'))('background indexing (%s store)', (_name, makeStore) => {
  it('starts with the node`s first search: what is stored after it is indexed without another search', async () => {
    const store = await makeStore();
    const server = await scope.server({ store, search: { indexDelayMs: 10 } });
    const alice = await scope.wire(server, 'alice');
    const team = await createGroup(alice, ['bob'], 'team');
    await sendText(alice, team, 'before any search');
    // The first search indexes what its conversations hold (its catch-up), and from then on the node follows.
    expect(await found(alice, 'before')).toEqual(['before any search']);
    const indexed = async () => (await store.searchIndex!.indexedSeqs([team])).get(team) ?? 0;
    const later = await sendText(alice, team, 'after the first search');
    await until(async () => (await indexed()) >= later.seq, 30_000, 'the message stored after the first search to be indexed');
  }, 60_000);
});
