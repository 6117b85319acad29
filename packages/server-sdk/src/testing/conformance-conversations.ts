import { describe, expect, it } from 'vitest';
import { directKeyOf } from '../store/store-helpers.js';
import { T0, createDirect, createGroup, readWholeLog, sendText, type StoreContext } from './fixtures.js';

/** createConversation / getConversation: the created event, direct idempotency, copies. */
export function conversationTests(ctx: StoreContext): void {
  describe('conversations', () => {
    it('creates a group with its members and a conversation.created event at seq 1', async () => {
      const result = await ctx.store.createConversation({
        id: 'g1',
        kind: 'group',
        title: 'Team',
        createdBy: 'alice',
        members: ['alice', 'bob', 'carol'],
        directKey: null,
        ts: T0,
      });
      const expected = {
        id: 'g1',
        kind: 'group',
        title: 'Team',
        directKey: null,
        createdBy: 'alice',
        createdAt: T0,
        lastSeq: 1,
        lastActivityAt: T0,
        memberCount: 3,
        // No details until `updateConversation` sets some.
        image: null,
        description: null,
        custom: null,
        slowModeMs: null,
      };
      expect(result).toEqual({ created: true, conversation: expected });
      expect(await ctx.store.getConversation('g1')).toEqual(expected);
      // The system event keeps its dedup key in the store only: not on the wire shape.
      expect(await ctx.store.readAfter('g1', 0, 10)).toEqual([
        {
          id: expect.any(String),
          conversationId: 'g1',
          seq: 1,
          senderId: 'alice',
          ts: T0,
          kind: 'conversation.created',
          data: { type: 'group', title: 'Team', members: ['alice', 'bob', 'carol'] },
        },
      ]);
      expect(await ctx.store.getMember('g1', 'alice')).toEqual({
        conversationId: 'g1',
        userId: 'alice',
        role: 'owner',
        joinedAt: T0,
        deliveredSeq: 0,
        readSeq: 0,
        mutedUntil: null,
        notify: null,
      });
      expect((await ctx.store.getMember('g1', 'bob'))?.role).toBe('member');
    });

    it('returns null for unknown conversations and members', async () => {
      await createGroup(ctx.store, 'g1', ['alice']);
      expect(await ctx.store.getConversation('nope')).toBeNull();
      expect(await ctx.store.getMember('nope', 'alice')).toBeNull();
      expect(await ctx.store.getMember('g1', 'mallory')).toBeNull();
      expect(await ctx.store.listMembers('nope')).toEqual([]);
      expect(await ctx.store.listMemberships('mallory')).toEqual([]);
    });

    it('returns the existing direct conversation for the same directKey', async () => {
      const first = await createDirect(ctx.store, 'd1', 'alice', 'bob');
      await sendText(ctx.store, 'd1', 'alice', 'hello-0001');
      const again = await createDirect(ctx.store, 'd2', 'bob', 'alice', T0 + 50);
      expect(first.created).toBe(true);
      expect(first.conversation).toMatchObject({ id: 'd1', kind: 'direct', directKey: directKeyOf('alice', 'bob') });
      expect(again.created).toBe(false);
      expect(again.conversation).toMatchObject({ id: 'd1', lastSeq: 2, memberCount: 2, createdAt: T0 });
      expect(await ctx.store.getConversation('d2')).toBeNull();
      expect((await readWholeLog(ctx.store, 'd1')).map((e) => e.kind)).toEqual(['conversation.created', 'message']);
    });

    it('creates one direct conversation under 10 concurrent creates', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => createDirect(ctx.store, `race-${i}`, 'alice', 'bob', T0 + i)),
      );
      const ids = new Set(results.map((r) => r.conversation.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      const id = [...ids][0]!;
      const log = await readWholeLog(ctx.store, id);
      expect(log.map((e) => [e.seq, e.kind])).toEqual([[1, 'conversation.created']]);
      expect(await ctx.store.getConversation(id)).toMatchObject({ lastSeq: 1, memberCount: 2 });
      expect((await ctx.store.listMemberships('alice')).map((m) => m.conversation.id)).toEqual([id]);
    });

    it('keeps different pairs in different direct conversations', async () => {
      const ab = await createDirect(ctx.store, 'ab', 'alice', 'bob');
      const ac = await createDirect(ctx.store, 'ac', 'alice', 'carol');
      expect(ab.conversation.id).toBe('ab');
      expect(ac).toMatchObject({ created: true, conversation: { id: 'ac' } });
    });

    it('hands out copies: mutating a result does not change the store', async () => {
      const members = ['alice', 'bob'];
      const { conversation } = await ctx.store.createConversation({
        id: 'g1', kind: 'group', title: 'T', createdBy: 'alice', members, directKey: null, ts: T0,
      });
      members.push('mallory');
      conversation.lastSeq = 99;
      conversation.title = 'changed';
      const fetched = await ctx.store.getConversation('g1');
      fetched!.memberCount = 42;
      const [created] = await ctx.store.readAfter('g1', 0, 1);
      if (created?.kind !== 'conversation.created') throw new Error('expected the created event');
      created.data.members.push('mallory');
      created.seq = 7;
      const member = await ctx.store.getMember('g1', 'bob');
      member!.readSeq = 5;
      const listed = await ctx.store.listMembers('g1');
      listed[0]!.deliveredSeq = 9;
      const memberships = await ctx.store.listMemberships('alice');
      memberships[0]!.conversation.lastSeq = 9;
      memberships[0]!.member.role = 'member';

      expect(await ctx.store.getConversation('g1')).toMatchObject({ lastSeq: 1, title: 'T', memberCount: 2 });
      expect(await ctx.store.readAfter('g1', 0, 1)).toMatchObject([
        { seq: 1, data: { members: ['alice', 'bob'] } },
      ]);
      expect(await ctx.store.getMember('g1', 'bob')).toMatchObject({ readSeq: 0, deliveredSeq: 0 });
      expect((await ctx.store.listMembers('g1')).map((m) => m.deliveredSeq)).toEqual([0, 0]);
      expect(await ctx.store.listMemberships('alice')).toMatchObject([
        { conversation: { lastSeq: 1 }, member: { role: 'owner' } },
      ]);
    });
  });
}
