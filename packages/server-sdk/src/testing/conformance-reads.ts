import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { T0, createGroup, range, sendText, type StoreContext } from './fixtures.js';

const seqs = (events: LogEvent[]) => events.map((e) => e.seq);

/** readAfter / readBefore: exact ranges, page boundaries, empty pages. */
export function readTests(ctx: StoreContext): void {
  describe('reads', () => {
    // 20 events: the created event (1) and 19 messages (2..20).
    async function twentyEvents(): Promise<void> {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      for (const i of range(2, 20)) await sendText(ctx.store, 'g1', i % 2 ? 'alice' : 'bob', `cmid-${1000 + i}`);
    }

    it('readAfter returns exactly the next `limit` events, ascending', async () => {
      await twentyEvents();
      expect(seqs(await ctx.store.readAfter('g1', 0, 5))).toEqual([1, 2, 3, 4, 5]);
      expect(seqs(await ctx.store.readAfter('g1', 5, 5))).toEqual([6, 7, 8, 9, 10]);
      expect(seqs(await ctx.store.readAfter('g1', 17, 5))).toEqual([18, 19, 20]);
      expect(seqs(await ctx.store.readAfter('g1', 19, 1))).toEqual([20]);
      expect(await ctx.store.readAfter('g1', 20, 5)).toEqual([]);
      expect(await ctx.store.readAfter('g1', 1000, 5)).toEqual([]);
      expect(await ctx.store.readAfter('g1', 3, 0)).toEqual([]);
      expect(seqs(await ctx.store.readAfter('g1', 0, 1000))).toEqual(range(1, 20));
    });

    it('readAfter pages cover the log exactly once', async () => {
      await twentyEvents();
      const seen: number[] = [];
      // Bounded: a store whose pages do not advance must fail, not hang.
      for (let after = 0, round = 0; round < 10; round++) {
        const page = await ctx.store.readAfter('g1', after, 7);
        if (page.length === 0) break;
        seen.push(...seqs(page));
        after = page.at(-1)!.seq;
      }
      expect(seen).toEqual(range(1, 20));
    });

    it('readBefore returns the `limit` events just before beforeSeq, ascending', async () => {
      await twentyEvents();
      expect(seqs(await ctx.store.readBefore('g1', 21, 5))).toEqual([16, 17, 18, 19, 20]);
      expect(seqs(await ctx.store.readBefore('g1', 16, 5))).toEqual([11, 12, 13, 14, 15]);
      expect(seqs(await ctx.store.readBefore('g1', 4, 5))).toEqual([1, 2, 3]);
      expect(seqs(await ctx.store.readBefore('g1', 2, 5))).toEqual([1]);
      expect(await ctx.store.readBefore('g1', 1, 5)).toEqual([]);
      expect(await ctx.store.readBefore('g1', 0, 5)).toEqual([]);
      expect(await ctx.store.readBefore('g1', 10, 0)).toEqual([]);
      // A beforeSeq past the end reads the tail of the log.
      expect(seqs(await ctx.store.readBefore('g1', 1000, 3))).toEqual([18, 19, 20]);
    });

    it('readBefore pages walk back to seq 1 exactly once', async () => {
      await twentyEvents();
      const seen: number[] = [];
      for (let before = 21, round = 0; round < 10; round++) {
        const page = await ctx.store.readBefore('g1', before, 6);
        if (page.length === 0) break;
        seen.unshift(...seqs(page));
        before = page[0]!.seq;
      }
      expect(seen).toEqual(range(1, 20));
    });

    it('returns the same events from both directions', async () => {
      await twentyEvents();
      expect(await ctx.store.readBefore('g1', 11, 4)).toEqual(await ctx.store.readAfter('g1', 6, 4));
    });

    it('reads nothing from unknown conversations and nothing from other conversations', async () => {
      await twentyEvents();
      await createGroup(ctx.store, 'g2', ['alice']);
      expect(await ctx.store.readAfter('nope', 0, 10)).toEqual([]);
      expect(await ctx.store.readBefore('nope', 10, 10)).toEqual([]);
      expect((await ctx.store.readAfter('g2', 0, 10)).map((e) => [e.conversationId, e.seq])).toEqual([['g2', 1]]);
    });
  });

  describe('countUnread', () => {
    it('counts only messages from others after the given seq', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']); // 1: created, by alice
      await sendText(ctx.store, 'g1', 'alice', 'cmid-0002'); // 2
      await sendText(ctx.store, 'g1', 'bob', 'cmid-0003'); // 3
      await ctx.store.append({
        conversationId: 'g1', senderId: 'alice', clientMsgId: 'system:add:carol', ts: T0 + 4,
        kind: 'members.added', data: { userIds: ['carol'] },
      }); // 4: not a message
      await sendText(ctx.store, 'g1', 'alice', 'cmid-0005'); // 5
      await sendText(ctx.store, 'g1', 'carol', 'cmid-0006'); // 6
      expect(await ctx.store.countUnread('g1', 'bob', 0)).toBe(3);
      expect(await ctx.store.countUnread('g1', 'bob', 2)).toBe(2);
      expect(await ctx.store.countUnread('g1', 'bob', 5)).toBe(1);
      expect(await ctx.store.countUnread('g1', 'bob', 6)).toBe(0);
      expect(await ctx.store.countUnread('g1', 'alice', 0)).toBe(2);
      expect(await ctx.store.countUnread('g1', 'carol', 0)).toBe(3);
      expect(await ctx.store.countUnread('nope', 'bob', 0)).toBe(0);
    });
  });
}
