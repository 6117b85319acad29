import { expect } from 'vitest';
import type { SearchIndex, SearchIndexUpdate } from '../search/types.js';
import { docOf, found, indexMessages, keys, type Message, type SearchCheck } from './search-fixtures.js';

const upsert = (index: SearchIndex, message: Message, throughSeq = message.seq) =>
  index.apply({ conversationId: message.conversationId, upserts: [docOf(message)], removals: [], throughSeq });
const remove = (index: SearchIndex, conversationId: string, seq: number, version: number) =>
  index.apply({ conversationId, upserts: [], removals: [{ seq, version }], throughSeq: version });

/** Edits, deletes and the order updates arrive in; the indexed seq of each conversation. */
export const searchVersionChecks: readonly SearchCheck[] = [
  {
    name: 'an edit replaces the text: its new words are found, its old ones no longer',
    async run({ index }) {
      await indexMessages(index, [{ conversationId: 'c', seq: 1, text: 'see you at the station' }, { conversationId: 'c', seq: 2, text: 'the station is closed' }]);
      await upsert(index, { conversationId: 'c', seq: 1, text: 'see you at the airport', version: 3 }, 3);
      expect(await found(index, ['c'], 'airport')).toEqual(keys('c', 1));
      expect(await found(index, ['c'], 'station')).toEqual(keys('c', 2));
      expect(await found(index, ['c'], '"at the station"')).toEqual([]);
      expect(await found(index, ['c'], 'see', { order: 'relevance' })).toEqual(keys('c', 1));
    },
  },
  {
    name: 'an older version applied after a newer one changes nothing (another node\'s late batch)',
    async run({ index }) {
      await upsert(index, { conversationId: 'c', seq: 4, text: 'the final draft', version: 9 }, 9);
      await upsert(index, { conversationId: 'c', seq: 4, text: 'the first draft', version: 4 });
      await upsert(index, { conversationId: 'c', seq: 4, text: 'the second draft', version: 9 });
      expect(await found(index, ['c'], 'final')).toEqual(keys('c', 4));
      expect(await found(index, ['c'], 'first')).toEqual([]);
      expect(await found(index, ['c'], 'second')).toEqual([]);
      expect(await found(index, ['c'], 'draft')).toEqual(keys('c', 4));
    },
  },
  {
    name: 'a removal stays: the message is found by nothing, and an older upsert applied after it does not bring it back',
    async run({ index }) {
      await indexMessages(index, [{ conversationId: 'c', seq: 1, text: 'secret plans' }, { conversationId: 'c', seq: 2, text: 'public plans' }]);
      await remove(index, 'c', 1, 5);
      expect(await found(index, ['c'], 'plans')).toEqual(keys('c', 2));
      expect(await found(index, ['c'], 'secret')).toEqual([]);
      await upsert(index, { conversationId: 'c', seq: 1, text: 'secret plans' });
      await upsert(index, { conversationId: 'c', seq: 1, text: 'secret plans edited', version: 4 }, 4);
      expect(await found(index, ['c'], 'secret')).toEqual([]);
      expect(await found(index, ['c'], 'plans', { order: 'relevance' })).toEqual(keys('c', 2));
      // A removal that arrives before the message it removes (batches of two nodes) keeps it out too.
      await remove(index, 'c', 7, 8);
      await upsert(index, { conversationId: 'c', seq: 7, text: 'never shown' });
      expect(await found(index, ['c'], 'shown')).toEqual([]);
      expect((await index.stats()).documents).toBe(1);
    },
  },
  {
    name: 'a removal older than the text it would remove changes nothing',
    async run({ index }) {
      await upsert(index, { conversationId: 'c', seq: 1, text: 'edited after the delete was decided', version: 6 }, 6);
      await remove(index, 'c', 1, 5);
      expect(await found(index, ['c'], 'edited')).toEqual(keys('c', 1));
    },
  },
  {
    name: 'indexedSeqs gives each conversation the highest seq applied; 0 or absent for one never applied',
    async run({ index }) {
      await index.apply({ conversationId: 'c1', upserts: [docOf({ conversationId: 'c1', seq: 3, text: 'hello' })], removals: [], throughSeq: 5 });
      await index.apply({ conversationId: 'c2', upserts: [], removals: [], throughSeq: 12 });
      await index.apply({ conversationId: 'c1', upserts: [], removals: [], throughSeq: 4 });
      const seqs = await index.indexedSeqs(['c1', 'c2', 'c3']);
      expect(seqs.get('c1')).toBe(5);
      expect(seqs.get('c2')).toBe(12);
      expect(seqs.get('c3') ?? 0).toBe(0);
      await index.apply({ conversationId: 'c2', upserts: [], removals: [{ seq: 13, version: 14 }], throughSeq: 20 });
      expect((await index.indexedSeqs(['c2'])).get('c2')).toBe(20);
      expect((await index.indexedSeqs([])).size).toBe(0);
    },
  },
  {
    name: 'applying the same updates again changes nothing',
    async run({ index }) {
      const updates: SearchIndexUpdate[] = [
        { conversationId: 'c', upserts: [1, 2, 3, 4].map((seq) => docOf({ conversationId: 'c', seq, text: `note ${seq} about the budget` })), removals: [], throughSeq: 4 },
        { conversationId: 'c', upserts: [docOf({ conversationId: 'c', seq: 2, text: 'note about the schedule', version: 5 })], removals: [{ seq: 3, version: 6 }], throughSeq: 6 },
      ];
      for (const update of updates) await index.apply(update);
      const before = { budget: await found(index, ['c'], 'budget'), note: await found(index, ['c'], 'note'), stats: (await index.stats()).documents };
      for (const update of [...updates, ...updates]) await index.apply(update);
      expect(await found(index, ['c'], 'budget')).toEqual(before.budget);
      expect(await found(index, ['c'], 'note')).toEqual(before.note);
      expect(before.note).toEqual(keys('c', 1, 2, 4));
      expect((await index.stats()).documents).toBe(before.stats);
      expect((await index.indexedSeqs(['c'])).get('c')).toBe(6);
    },
  },
  {
    name: 'concurrent applies of overlapping batches end with the newest text, in either order',
    async run({ index }) {
      // A: the first 40 messages as sent. B: 21..30 edited, 31..40 deleted, 41..60 sent, as a
      // second node applies the log while the first is still applying A.
      const batchA = (conversationId: string): SearchIndexUpdate => ({
        conversationId,
        upserts: Array.from({ length: 40 }, (_, i) => docOf({ conversationId, seq: i + 1, text: `first draft ${i + 1}` })),
        removals: [],
        throughSeq: 40,
      });
      const batchB = (conversationId: string): SearchIndexUpdate => ({
        conversationId,
        upserts: [
          ...Array.from({ length: 40 }, (_, i) => i + 1).filter((seq) => seq <= 20).map((seq) => docOf({ conversationId, seq, text: `first draft ${seq}` })),
          ...Array.from({ length: 10 }, (_, i) => docOf({ conversationId, seq: 21 + i, text: `second draft ${21 + i}`, version: 60 + i + 1 })),
          ...Array.from({ length: 20 }, (_, i) => docOf({ conversationId, seq: 41 + i, text: `third draft ${41 + i}` })),
        ],
        removals: Array.from({ length: 10 }, (_, i) => ({ seq: 31 + i, version: 70 + i + 1 })),
        throughSeq: 80,
      });
      for (let round = 0; round < 3; round++) {
        await Promise.all([index.apply(batchA(`ab${round}`)), index.apply(batchB(`ab${round}`))]);
        await Promise.all([index.apply(batchB(`ba${round}`)), index.apply(batchA(`ba${round}`))]);
      }
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      for (let round = 0; round < 3; round++) {
        for (const conversationId of [`ab${round}`, `ba${round}`]) {
          expect(await found(index, [conversationId], 'first'), conversationId).toEqual(keys(conversationId, ...range(1, 20)));
          expect(await found(index, [conversationId], 'second'), conversationId).toEqual(keys(conversationId, ...range(21, 30)));
          expect(await found(index, [conversationId], 'third'), conversationId).toEqual(keys(conversationId, ...range(41, 60)));
          expect(await found(index, [conversationId], 'draft'), conversationId).toEqual(keys(conversationId, ...range(1, 30), ...range(41, 60)));
          expect((await index.indexedSeqs([conversationId])).get(conversationId), conversationId).toBe(80);
        }
      }
      expect((await index.stats()).documents).toBe(6 * 50);
    },
  },
];
