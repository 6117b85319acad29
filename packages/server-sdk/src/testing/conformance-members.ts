import { describe, expect, it } from 'vitest';
import { T0, createGroup, groupWithFiveEvents, reportWatermarks, sendText, type StoreContext } from './fixtures.js';

/** Membership and watermarks. */
export function memberTests(ctx: StoreContext): void {
  describe('membership', () => {
    it('adds members idempotently and reports only the new ones', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      expect(await ctx.store.addMembers('g1', ['bob', 'carol', 'dave', 'carol'], 'member', T0 + 5)).toEqual(
        expect.arrayContaining(['carol', 'dave']),
      );
      expect(await ctx.store.addMembers('g1', ['carol', 'dave'], 'member', T0 + 6)).toEqual([]);
      expect((await ctx.store.getConversation('g1'))?.memberCount).toBe(4);
      expect(await ctx.store.getMember('g1', 'carol')).toEqual({
        conversationId: 'g1', userId: 'carol', role: 'member', joinedAt: T0 + 5, deliveredSeq: 0, readSeq: 0, mutedUntil: null, notify: null,
      });
      expect((await ctx.store.listMembers('g1')).map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
    });

    it('reports exactly the ids added', async () => {
      await createGroup(ctx.store, 'g1', ['alice']);
      const added = await ctx.store.addMembers('g1', ['bob', 'bob', 'alice'], 'owner', T0);
      expect(added).toEqual(['bob']);
      expect((await ctx.store.getMember('g1', 'bob'))?.role).toBe('owner');
    });

    it('removes members idempotently and reports only those that were members', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob', 'carol']);
      expect((await ctx.store.removeMembers('g1', ['bob', 'mallory'])).sort()).toEqual(['bob']);
      expect(await ctx.store.removeMembers('g1', ['bob'])).toEqual([]);
      expect(await ctx.store.getMember('g1', 'bob')).toBeNull();
      expect((await ctx.store.getConversation('g1'))?.memberCount).toBe(2);
      expect((await ctx.store.listMembers('g1')).map((m) => m.userId).sort()).toEqual(['alice', 'carol']);
      expect(await ctx.store.listMemberships('bob')).toEqual([]);
      expect(await ctx.store.removeMembers('nope', ['alice'])).toEqual([]);
    });

    it('lets a removed member join again with fresh watermarks', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 1 });
      await ctx.store.removeMembers('g1', ['bob']);
      expect(await ctx.store.addMembers('g1', ['bob'], 'member', T0 + 9)).toEqual(['bob']);
      expect(await ctx.store.getMember('g1', 'bob')).toMatchObject({ joinedAt: T0 + 9, readSeq: 0, deliveredSeq: 0 });
      expect((await ctx.store.getConversation('g1'))?.memberCount).toBe(2);
    });

    it('adds nobody to a conversation that does not exist', async () => {
      expect(await ctx.store.addMembers('nope', ['alice'], 'member', T0)).toEqual([]);
      expect(await ctx.store.listMemberships('alice')).toEqual([]);
    });

    it('lists a user’s memberships newest activity first', async () => {
      await createGroup(ctx.store, 'old', ['alice', 'bob'], T0 + 1000);
      await createGroup(ctx.store, 'mid', ['bob', 'alice'], T0 + 2000);
      await createGroup(ctx.store, 'new', ['alice'], T0 + 3000);
      await createGroup(ctx.store, 'other', ['bob'], T0 + 3500);
      await createGroup(ctx.store, 'left', ['alice', 'bob'], T0 + 500);
      await ctx.store.removeMembers('left', ['alice']);
      await sendText(ctx.store, 'old', 'bob', 'cmid-0001', 'wake up', T0 + 4000);

      const rows = await ctx.store.listMemberships('alice');
      expect(rows.map((r) => r.conversation.id)).toEqual(['old', 'new', 'mid']);
      expect(rows[0]).toEqual({
        conversation: expect.objectContaining({ id: 'old', lastSeq: 2, lastActivityAt: T0 + 4000, memberCount: 2 }),
        member: expect.objectContaining({ conversationId: 'old', userId: 'alice', role: 'owner' }),
      });
      expect(rows[2]!.member.role).toBe('member');
    });
  });

  describe('ownership', () => {
    const roles = async (id: string) =>
      Object.fromEntries((await ctx.store.listMembers(id)).map((m) => [m.userId, m.role]));
    const owners = async (id: string) =>
      (await ctx.store.listMembers(id, { role: 'owner' })).filter((m) => m.role === 'owner').map((m) => m.userId).sort();

    it('passes to the longest-standing member when the owner leaves', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'zed'], T0);
      await ctx.store.addMembers('g1', ['bob'], 'member', T0 + 5);
      expect(await ctx.store.removeMembers('g1', ['alice'])).toEqual(['alice']);
      expect(await roles('g1')).toEqual({ zed: 'owner', bob: 'member' });
      expect(await owners('g1')).toEqual(['zed']);
      expect((await ctx.store.listMemberships('zed'))[0]?.member.role).toBe('owner');
    });

    it('breaks a tie in joining time by the smallest user id, also when the owner is removed with others', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'dave', 'carol', 'bob']);
      expect((await ctx.store.removeMembers('g1', ['alice', 'bob'])).sort()).toEqual(['alice', 'bob']);
      expect(await roles('g1')).toEqual({ carol: 'owner', dave: 'member' });
    });

    it('stays with the owner when others leave, and with a remaining owner when one of two leaves', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob', 'carol']);
      await ctx.store.removeMembers('g1', ['bob']);
      expect(await roles('g1')).toEqual({ alice: 'owner', carol: 'member' });
      await ctx.store.addMembers('g1', ['bob'], 'owner', T0 + 5);
      await ctx.store.removeMembers('g1', ['alice']);
      expect(await roles('g1')).toEqual({ bob: 'owner', carol: 'member' });
    });

    it('leaves nobody to own a conversation everyone left', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      expect((await ctx.store.removeMembers('g1', ['bob', 'alice'])).sort()).toEqual(['alice', 'bob']);
      expect(await ctx.store.listMembers('g1')).toEqual([]);
      expect(await owners('g1')).toEqual([]);
      expect((await ctx.store.getConversation('g1'))?.memberCount).toBe(0);
    });
  });

  describe('watermarks', () => {
    it('moves forward only', async () => {
      await groupWithFiveEvents(ctx.store);
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { deliveredSeq: 3 })).toMatchObject({ deliveredSeq: 3, readSeq: 0 });
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 2 })).toMatchObject({ deliveredSeq: 3, readSeq: 2 });
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 1, deliveredSeq: 1 })).toMatchObject({
        deliveredSeq: 3, readSeq: 2,
      });
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', {})).toMatchObject({ deliveredSeq: 3, readSeq: 2 });
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: -4 })).toMatchObject({ deliveredSeq: 3, readSeq: 2 });
      expect(await ctx.store.getMember('g1', 'bob')).toMatchObject({ deliveredSeq: 3, readSeq: 2 });
    });

    it('treats read as delivered', async () => {
      await groupWithFiveEvents(ctx.store);
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 4 })).toMatchObject({ deliveredSeq: 4, readSeq: 4 });
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 5, deliveredSeq: 2 })).toMatchObject({
        deliveredSeq: 5, readSeq: 5,
      });
    });

    it('clamps to the conversation’s lastSeq', async () => {
      await groupWithFiveEvents(ctx.store);
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { deliveredSeq: 1000 })).toMatchObject({ deliveredSeq: 5, readSeq: 0 });
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 1000 })).toMatchObject({ deliveredSeq: 5, readSeq: 5 });
      await sendText(ctx.store, 'g1', 'alice', 'cmid-0006');
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 1000 })).toMatchObject({ deliveredSeq: 6, readSeq: 6 });
    });

    it('is kept per member', async () => {
      await groupWithFiveEvents(ctx.store);
      await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 3 });
      expect(await ctx.store.getMember('g1', 'alice')).toMatchObject({ deliveredSeq: 0, readSeq: 0 });
      expect(await ctx.store.getMember('g1', 'bob')).toMatchObject({ deliveredSeq: 3, readSeq: 3 });
    });

    it('returns null for non-members and removed members', async () => {
      await groupWithFiveEvents(ctx.store);
      expect(await reportWatermarks(ctx.store, 'g1', 'mallory', { readSeq: 1 })).toBeNull();
      expect(await reportWatermarks(ctx.store, 'nope', 'bob', { readSeq: 1 })).toBeNull();
      await ctx.store.removeMembers('g1', ['bob']);
      expect(await reportWatermarks(ctx.store, 'g1', 'bob', { readSeq: 1 })).toBeNull();
      expect(await ctx.store.getMember('g1', 'mallory')).toBeNull();
    });
  });
}
