import { describe, expect, it } from 'vitest';
import { T0, createGroup, groupWithFiveEvents, type StoreContext } from './fixtures.js';

/** Per-device watermarks, co-membership and user settings. */
export function receiptsPrivacyTests(ctx: StoreContext): void {
  describe('device watermarks', () => {
    it('moves each device forward and the member with it', async () => {
      await groupWithFiveEvents(ctx.store);
      expect(await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 3 }, T0 + 10)).toEqual({
        member: expect.objectContaining({ userId: 'bob', readSeq: 3, deliveredSeq: 3 }),
        device: { conversationId: 'g1', userId: 'bob', deviceId: 'phone', readSeq: 3, deliveredSeq: 3, updatedAt: T0 + 10 },
      });
      const laptop = await ctx.store.updateDeviceWatermarks('g1', 'bob', 'laptop', { deliveredSeq: 5 }, T0 + 20);
      expect(laptop?.device).toMatchObject({ deviceId: 'laptop', deliveredSeq: 5, readSeq: 0 });
      expect(laptop?.member).toMatchObject({ deliveredSeq: 5, readSeq: 3 });
      expect(await ctx.store.getMember('g1', 'bob')).toMatchObject({ deliveredSeq: 5, readSeq: 3 });
      // An empty report reads a device back, unchanged: each keeps its own.
      const phone = await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', {}, T0 + 30);
      expect(phone?.device).toEqual({ conversationId: 'g1', userId: 'bob', deviceId: 'phone', readSeq: 3, deliveredSeq: 3, updatedAt: T0 + 10 });
      expect(phone?.member).toMatchObject({ deliveredSeq: 5, readSeq: 3 });
    });

    it('never moves back, clamps to lastSeq, and keeps updatedAt when nothing moved', async () => {
      await groupWithFiveEvents(ctx.store);
      await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 4 }, T0 + 10);
      const back = await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 1, deliveredSeq: 2 }, T0 + 20);
      expect(back?.device).toMatchObject({ readSeq: 4, deliveredSeq: 4, updatedAt: T0 + 10 });
      const far = await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 1000 }, T0 + 30);
      expect(far?.device).toMatchObject({ readSeq: 5, deliveredSeq: 5, updatedAt: T0 + 30 });
      expect(far?.member).toMatchObject({ readSeq: 5, deliveredSeq: 5 });
    });

    it('keeps the member at or above every device, also when another device is behind', async () => {
      await groupWithFiveEvents(ctx.store);
      await ctx.store.updateDeviceWatermarks('g1', 'bob', 'laptop', { readSeq: 4 }, T0);
      const result = await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { deliveredSeq: 2 }, T0);
      expect(result?.member).toMatchObject({ readSeq: 4, deliveredSeq: 4 });
      expect(result?.device).toMatchObject({ readSeq: 0, deliveredSeq: 2 });
    });

    it('returns null for non-members, and forgets a member’s devices when they leave', async () => {
      await groupWithFiveEvents(ctx.store);
      expect(await ctx.store.updateDeviceWatermarks('g1', 'mallory', 'phone', { readSeq: 1 }, T0)).toBeNull();
      expect(await ctx.store.updateDeviceWatermarks('nope', 'bob', 'phone', { readSeq: 1 }, T0)).toBeNull();
      await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 3 }, T0);
      await ctx.store.removeMembers('g1', ['bob']);
      expect(await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', { readSeq: 4 }, T0)).toBeNull();
      await ctx.store.addMembers('g1', ['bob'], 'member', T0 + 1);
      // Back as a new member: the phone starts from nothing, not from what it reported before.
      const fresh = await ctx.store.updateDeviceWatermarks('g1', 'bob', 'phone', {}, T0 + 2);
      expect(fresh?.device).toMatchObject({ deliveredSeq: 0, readSeq: 0 });
      expect(fresh?.member).toMatchObject({ deliveredSeq: 0, readSeq: 0 });
    });
  });

  describe('filterCoMembers', () => {
    it('keeps the candidates who share a conversation with the user', async () => {
      await createGroup(ctx.store, 'g1', ['alice', 'bob']);
      await createGroup(ctx.store, 'g2', ['alice', 'carol']);
      await createGroup(ctx.store, 'g3', ['dave', 'erin']);
      const sorted = async (userId: string, candidates: string[]) =>
        (await ctx.store.filterCoMembers(userId, candidates)).sort();
      expect(await sorted('alice', ['bob', 'carol', 'dave', 'bob', 'zed'])).toEqual(['bob', 'carol']);
      expect(await sorted('alice', ['alice'])).toEqual(['alice']);
      expect(await sorted('bob', ['carol', 'alice'])).toEqual(['alice']);
      expect(await sorted('zed', ['alice'])).toEqual([]);
      expect(await sorted('alice', [])).toEqual([]);
      await ctx.store.removeMembers('g2', ['carol']);
      expect(await sorted('alice', ['carol'])).toEqual([]);
    });
  });

  describe('user settings', () => {
    const defaults = { readReceipts: true, presence: true, lastSeen: true, notify: 'all' };
    const settingsOf = async (userId: string) => (await ctx.store.getUserSettings([userId])).get(userId);

    it('starts from the defaults and changes only what a patch names', async () => {
      expect(await settingsOf('alice')).toEqual(defaults);
      expect(await ctx.store.updateUserSettings('alice', { readReceipts: false })).toEqual({ ...defaults, readReceipts: false });
      expect(await ctx.store.updateUserSettings('alice', { presence: false })).toEqual({
        readReceipts: false, presence: false, lastSeen: true, notify: 'all',
      });
      expect(await ctx.store.updateUserSettings('alice', {})).toEqual({ readReceipts: false, presence: false, lastSeen: true, notify: 'all' });
      expect(await settingsOf('alice')).toEqual({ readReceipts: false, presence: false, lastSeen: true, notify: 'all' });
    });

    it('answers for every user asked, keyed by id, with copies', async () => {
      await ctx.store.updateUserSettings('bob', { lastSeen: false });
      const all = await ctx.store.getUserSettings(['alice', 'bob', 'carol']);
      expect([...all.keys()].sort()).toEqual(['alice', 'bob', 'carol']);
      expect(all.get('alice')).toEqual(defaults);
      expect(all.get('bob')).toEqual({ ...defaults, lastSeen: false });
      all.get('bob')!.lastSeen = true;
      all.get('alice')!.presence = false;
      expect(await settingsOf('bob')).toEqual({ ...defaults, lastSeen: false });
      expect(await settingsOf('alice')).toEqual(defaults);
      expect((await ctx.store.getUserSettings([])).size).toBe(0);
    });
  });
}
