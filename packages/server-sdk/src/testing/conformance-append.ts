import { describe, expect, it } from 'vitest';
import type { AppendInput } from '../store/types.js';
import {
  T0,
  appendBurst,
  createGroup,
  logProblems,
  range,
  readWholeLog,
  sendText,
  type ConformanceOptions,
  type StoreContext,
} from './fixtures.js';

/** append: seq allocation, dedup, concurrency, lastSeq/lastActivityAt. */
export function appendTests(ctx: StoreContext, options: Required<ConformanceOptions>): void {
  describe('append', () => {
    it('assigns contiguous seqs from 1 and stores the full event', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      const results = [];
      for (const i of range(1, 5)) results.push(await sendText(ctx.store, 'g1', 'alice', `cmid-000${i}`, `hi ${i}`, T0 + i));
      expect(results.map((r) => [r.event.seq, r.duplicate])).toEqual(range(2, 6).map((seq) => [seq, false]));
      expect(results[0]!.event).toEqual({
        id: expect.any(String),
        conversationId: 'g1',
        seq: 2,
        senderId: 'alice',
        clientMsgId: 'cmid-0001',
        ts: T0 + 1,
        kind: 'message',
        data: { text: 'hi 1' },
      });
      expect(new Set(results.map((r) => r.event.id)).size).toBe(5);
      expect(await readWholeLog(ctx.store, 'g1')).toEqual([expect.objectContaining({ seq: 1 }), ...results.map((r) => r.event)]);
    });

    it('advances lastSeq and lastActivityAt on append', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob'], T0);
      await sendText(ctx.store, 'g1', 'bob', 'cmid-0001', 'x', T0 + 500);
      expect(await ctx.store.getConversation('g1')).toMatchObject({ lastSeq: 2, lastActivityAt: T0 + 500 });
      await ctx.store.append({
        conversationId: 'g1', senderId: 'alice', clientMsgId: 'system:add:carol', ts: T0 + 900,
        kind: 'members.added', data: { userIds: ['carol'] },
      });
      expect(await ctx.store.getConversation('g1')).toMatchObject({ lastSeq: 3, lastActivityAt: T0 + 900 });
    });

    it('returns the original event for a repeated (conversation, sender, clientMsgId)', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      const first = await sendText(ctx.store, 'g1', 'alice', 'cmid-0001', 'original', T0 + 1);
      await sendText(ctx.store, 'g1', 'bob', 'cmid-0002', 'between', T0 + 2);
      const retry = await sendText(ctx.store, 'g1', 'alice', 'cmid-0001', 'retried text', T0 + 3);
      expect(retry).toEqual({ duplicate: true, event: first.event });
      expect(await ctx.store.getConversation('g1')).toMatchObject({ lastSeq: 3 });
      expect((await readWholeLog(ctx.store, 'g1')).map((e) => e.seq)).toEqual([1, 2, 3]);
    });

    it('finds an appended event by (conversation, sender, clientMsgId), and nothing for others', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      await createGroup(ctx.store, 'g2', ['alice', 'bob']);
      expect(await ctx.store.findEvent('g1', 'alice', 'cmid-0001')).toBeNull();
      const stored = await sendText(ctx.store, 'g1', 'alice', 'cmid-0001', 'first', T0 + 1);
      expect(await ctx.store.findEvent('g1', 'alice', 'cmid-0001')).toEqual(stored.event);
      expect(await ctx.store.findEvent('g1', 'bob', 'cmid-0001')).toBeNull();
      expect(await ctx.store.findEvent('g2', 'alice', 'cmid-0001')).toBeNull();
      expect(await ctx.store.findEvent('missing', 'alice', 'cmid-0001')).toBeNull();
    });

    it('treats the same clientMsgId from another sender or in another conversation as a new message', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      await createGroup(ctx.store, 'g2', ['alice', 'bob']);
      const a = await sendText(ctx.store, 'g1', 'alice', 'same-cmid');
      const b = await sendText(ctx.store, 'g1', 'bob', 'same-cmid');
      const c = await sendText(ctx.store, 'g2', 'alice', 'same-cmid');
      expect([a, b, c].map((r) => [r.event.conversationId, r.event.seq, r.duplicate])).toEqual([
        ['g1', 2, false],
        ['g1', 3, false],
        ['g2', 2, false],
      ]);
      expect(new Set([a, b, c].map((r) => r.event.id)).size).toBe(3);
    });

    it('dedups system events by their deterministic clientMsgId', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      const input: AppendInput = {
        conversationId: 'g1', senderId: 'alice', clientMsgId: 'system:remove:bob:1', ts: T0 + 1,
        kind: 'members.removed', data: { userIds: ['bob'] },
      };
      const first = await ctx.store.append(input);
      const again = await ctx.store.append(input);
      expect(first.event).toEqual({
        id: expect.any(String), conversationId: 'g1', seq: 2, senderId: 'alice', ts: T0 + 1,
        kind: 'members.removed', data: { userIds: ['bob'] },
      });
      expect(again).toEqual({ duplicate: true, event: first.event });
    });

    it(`gives ${options.concurrentAppends} concurrent appends the seqs 2..${options.concurrentAppends + 1}, once each`, async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      const n = options.concurrentAppends;
      const results = await appendBurst(ctx.store, { conversationId: 'g1', senderId: 'bob', count: n, ts: T0 });
      expect(results.every((r) => !r.duplicate)).toBe(true);
      expect(results.map((r) => r.event.seq).sort((x, y) => x - y)).toEqual(range(2, n + 1));
      expect(new Set(results.map((r) => r.event.id)).size).toBe(n);
      expect(await logProblems(ctx.store, 'g1')).toEqual([]);
      expect((await ctx.store.getConversation('g1'))?.lastSeq).toBe(n + 1);
    });

    it('stores a message once when its retries race each other', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      const results = await Promise.all(range(1, 10).map(() => sendText(ctx.store, 'g1', 'alice', 'raced-cmid')));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => `${r.event.id}@${r.event.seq}`)).size).toBe(1);
      expect((await readWholeLog(ctx.store, 'g1')).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('never reuses a seq after members leave and join', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob', 'carol']);
      await sendText(ctx.store, 'g1', 'carol', 'cmid-0001');
      await ctx.store.removeMembers('g1', ['carol']);
      await ctx.store.append({
        conversationId: 'g1', senderId: 'alice', clientMsgId: 'system:remove:carol', ts: T0 + 2,
        kind: 'members.removed', data: { userIds: ['carol'] },
      });
      await sendText(ctx.store, 'g1', 'bob', 'cmid-0002');
      await ctx.store.addMembers('g1', ['carol'], 'member', T0 + 3);
      const after = await sendText(ctx.store, 'g1', 'carol', 'cmid-0003');
      expect(after.event.seq).toBe(5);
      expect(await logProblems(ctx.store, 'g1')).toEqual([]);
    });

    it('rejects an append to a conversation that does not exist', async () => {
      await expect(sendText(ctx.store, 'missing', 'alice', 'cmid-0001')).rejects.toThrow();
      expect(await ctx.store.readAfter('missing', 0, 10)).toEqual([]);
    });
  });
}
