import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { T0, createGroup, logProblems, readWholeLog, sendText, type ForeignEventInput, type StoreContext, type WriteForeignEvent } from './fixtures.js';

/** The fields the store contract returns for an event; anything else a newer release stored stays in the database. */
const CONTRACT_FIELDS = ['clientMsgId', 'conversationId', 'data', 'id', 'kind', 'senderId', 'seq', 'ts'];

const reaction: Omit<ForeignEventInput, 'conversationId'> = {
  senderId: 'bob',
  clientMsgId: 'system:reaction:bob:2',
  ts: T0 + 3,
  kind: 'reaction.added',
  data: { targetSeq: 2, emoji: '👍🏽', counts: [{ emoji: '👍🏽', n: 1 }] },
  extra: { editedAt: T0 + 30, schemaHint: 'next' },
};

/**
 * Mixed-version safety: during a rolling deploy a newer release writes event kinds and fields
 * this version does not know into the same database. Every read returns such an event with its
 * seq, id, sender, ts and data as stored: throwing would break sync for the whole conversation,
 * and skipping would leave a seq hole that clients can never fill.
 */
export function foreignEventTests(ctx: StoreContext): void {
  describe('events written by a newer release', () => {
    const writer = (): WriteForeignEvent => {
      if (ctx.writeForeignEvent) return ctx.writeForeignEvent;
      throw new Error(
        'this store wiring has no writeForeignEvent: return one from makeStore that writes an event into the database ' +
          'as a newer Parley release would (see WriteForeignEvent), so that reads are checked against unknown kinds',
      );
    };

    /** g1: created (1), alice's message (2), bob's reaction from a newer release (3), alice's message (4). */
    async function logWithForeignEvent(): Promise<{ foreign: Partial<LogEvent> & { id: string; seq: number } }> {
      const write = writer();
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      await sendText(ctx.store, 'g1', 'alice', 'cmid-0002');
      const stored = await write({ conversationId: 'g1', ...reaction });
      expect(stored.seq).toBe(3);
      expect((await sendText(ctx.store, 'g1', 'alice', 'cmid-0004')).event.seq).toBe(4);
      const { senderId, ts, kind, data } = reaction;
      return { foreign: { ...stored, conversationId: 'g1', senderId, ts, kind, data } as Partial<LogEvent> & { id: string; seq: number } };
    }

    it('returns an unknown kind from readAfter, readBefore and findEvent, as stored and in its place', async () => {
      const { foreign } = await logWithForeignEvent();
      const log = await ctx.store.readAfter('g1', 0, 10);
      expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(log[2]).toMatchObject(foreign);
      expect(Object.keys(log[2]!).filter((key) => !CONTRACT_FIELDS.includes(key))).toEqual([]);
      expect(await ctx.store.readAfter('g1', 2, 1)).toEqual([log[2]]);
      expect(await ctx.store.readBefore('g1', 4, 1)).toEqual([log[2]]);
      expect(await ctx.store.readBefore('g1', 5, 10)).toEqual(log);
      expect(await ctx.store.findEvent('g1', reaction.senderId, reaction.clientMsgId)).toMatchObject(foreign);
      expect(await logProblems(ctx.store, 'g1')).toEqual([]);
    });

    it('keeps the conversation, unread counts and appends working around it', async () => {
      await logWithForeignEvent();
      expect(await ctx.store.getConversation('g1')).toMatchObject({ lastSeq: 4 });
      // Only messages are unread: a reaction is not one, whoever sent it.
      expect(await ctx.store.countUnread('g1', 'bob', 0)).toBe(2);
      const membership = await ctx.store.listMemberships('bob');
      expect(membership.map((m) => m.conversation.lastSeq)).toEqual([4]);
      expect((await ctx.store.updateDeviceWatermarks('g1', 'bob', 'd1', { readSeq: 4 }, T0))?.member.readSeq).toBe(4);
    });

    it('reads a known kind with fields this version does not know, returning only the contract fields', async () => {
      const write = writer();
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      const data = { text: 'edited **twice**', format: 'markdown', mentions: ['bob'] };
      const stored = await write({ ...reaction, conversationId: 'g1', kind: 'message', clientMsgId: 'cmid-newer', data });
      const [event] = await ctx.store.readAfter('g1', 1, 10);
      expect(event).toMatchObject({ id: stored.id, seq: 2, kind: 'message', senderId: 'bob', data });
      expect(Object.keys(event!).filter((key) => !CONTRACT_FIELDS.includes(key))).toEqual([]);
      for (const e of await readWholeLog(ctx.store, 'g1')) expect(Object.keys(e).filter((key) => !CONTRACT_FIELDS.includes(key))).toEqual([]);
      expect(await ctx.store.countUnread('g1', 'alice', 0)).toBe(1);
    });
  });
}
