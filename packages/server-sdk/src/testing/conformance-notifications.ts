import { expect } from 'vitest';
import type { ChatStore, NotificationItem, StoredNotification, StoredPushSubscription } from '../store/types.js';
import { T0, createGroup, range, type StoreCheck } from './fixtures.js';

const LEASE = 30_000;

/** Message `seq` of `senderId` in `conversationId` for `userId`, due at `dueAt`. */
export function notificationItem(userId: string, conversationId: string, seq: number, senderId = 'alice', dueAt = T0, mentioned = false): NotificationItem {
  return { userId, conversationId, seq, senderId, mentioned, dueAt };
}

/** A Web Push subscription of (user, device) at `endpoint`. */
export function pushSubscription(userId: string, deviceId: string, endpoint = `https://push.example/${userId}/${deviceId}`): StoredPushSubscription {
  return { userId, deviceId, endpoint, keys: { p256dh: `key-${userId}-${deviceId}`, auth: `auth-${deviceId}` }, expirationTime: null, createdAt: T0 };
}

const pending = async (store: ChatStore, userId?: string): Promise<StoredNotification[]> =>
  store.listNotifications({ limit: 1000, ...(userId !== undefined ? { userId } : {}) });

/** The one pending row of (user, conversation), or undefined. */
const rowOf = async (store: ChatStore, userId: string, conversationId: string) =>
  (await pending(store, userId)).find((row) => row.conversationId === conversationId);

/** Claims the one due row (there must be exactly one due at `now`). */
async function claimOne(store: ChatStore, now: number): Promise<StoredNotification> {
  const claimed = await store.claimDueNotifications(now, 10, LEASE);
  expect(claimed).toHaveLength(1);
  return claimed[0]!;
}

/** The notification queue (`NotificationQueue`), push subscriptions and the `notify` settings: each check runs on a fresh, empty store. */
export const notificationChecks: readonly StoreCheck[] = [
  {
    name: 'enqueueNotifications collapses the messages of one user in one conversation into one row',
    async run(store) {
      await store.enqueueNotifications([
        notificationItem('bob', 'g1', 4, 'alice', T0 + 10),
        notificationItem('bob', 'g1', 5, 'carol', T0 + 20, true),
        notificationItem('bob', 'g2', 9, 'alice', T0 + 5),
        notificationItem('carol', 'g1', 5, 'alice', T0 + 20),
      ], T0);
      await store.enqueueNotifications([notificationItem('bob', 'g1', 6, 'alice', T0 + 30), notificationItem('bob', 'g1', 7, 'dave', T0 + 40)], T0 + 1);
      const rows = await pending(store);
      expect(rows.map((r) => [r.userId, r.conversationId])).toEqual([['bob', 'g1'], ['bob', 'g2'], ['carol', 'g1']]);
      expect(rows[0]).toMatchObject({
        userId: 'bob', conversationId: 'g1', firstSeq: 4, lastSeq: 7, messages: 4, senders: ['dave', 'alice', 'carol'], mentioned: true,
        dueAt: T0 + 10, nextAttemptAt: T0 + 10, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null, createdAt: T0,
      });
      expect(rows[1]).toMatchObject({ firstSeq: 9, lastSeq: 9, messages: 1, senders: ['alice'], mentioned: false, dueAt: T0 + 5 });
      expect(rows.map((r) => r.id)).toHaveLength(new Set(rows.map((r) => r.id)).size);
      expect(await pending(store, 'carol')).toMatchObject([{ conversationId: 'g1', lastSeq: 5 }]);
      expect(await store.listNotifications({ limit: 2 })).toHaveLength(2);
      expect(await store.listNotifications({ limit: 0 })).toEqual([]);
      await store.enqueueNotifications([], T0);
    },
  },
  {
    name: 'enqueueNotifications is idempotent: a message queued again (a retried send) changes nothing, in any order',
    async run(store) {
      const items = [notificationItem('bob', 'g1', 3, 'alice', T0 + 10), notificationItem('bob', 'g1', 5, 'carol', T0 + 20, true)];
      await store.enqueueNotifications([...items, items[0]!], T0);
      const before = await pending(store);
      await store.enqueueNotifications([items[1]!, items[0]!], T0 + 99);
      await store.enqueueNotifications([{ ...items[0]!, senderId: 'mallory', dueAt: T0 + 1, mentioned: true }], T0 + 100);
      expect(await pending(store)).toEqual(before);
      expect(before).toMatchObject([{ messages: 2, firstSeq: 3, lastSeq: 5, senders: ['carol', 'alice'], dueAt: T0 + 10, createdAt: T0 }]);
      // A lower seq arriving late (appended on another node) joins the row.
      await store.enqueueNotifications([notificationItem('bob', 'g1', 4, 'dave', T0 + 30)], T0 + 101);
      expect(await pending(store)).toMatchObject([{ messages: 3, firstSeq: 3, lastSeq: 5, senders: ['carol', 'dave', 'alice'], dueAt: T0 + 10 }]);
    },
  },
  {
    name: 'a pending row keeps its earliest due time: a stream of messages never postpones it',
    async run(store) {
      await store.enqueueNotifications([notificationItem('bob', 'g1', 2, 'alice', T0 + 100)], T0);
      for (const seq of range(3, 8)) await store.enqueueNotifications([notificationItem('bob', 'g1', seq, 'alice', T0 + 100 + seq * 10)], T0 + seq);
      expect(await rowOf(store, 'bob', 'g1')).toMatchObject({ dueAt: T0 + 100, nextAttemptAt: T0 + 100, lastSeq: 8 });
      expect(await store.claimDueNotifications(T0 + 99, 10, LEASE)).toEqual([]);
      // One due sooner (the user went offline) brings it forward.
      await store.enqueueNotifications([notificationItem('bob', 'g1', 9, 'alice', T0 + 50)], T0 + 9);
      expect(await rowOf(store, 'bob', 'g1')).toMatchObject({ dueAt: T0 + 50, nextAttemptAt: T0 + 50 });
      expect(await claimOne(store, T0 + 50)).toMatchObject({ firstSeq: 2, lastSeq: 9, messages: 8 });
    },
  },
  {
    name: 'claimDueNotifications claims due rows only, earliest first, up to limit, and leases them',
    async run(store) {
      await store.enqueueNotifications([
        notificationItem('bob', 'g1', 2, 'alice', T0 + 3),
        notificationItem('carol', 'g1', 2, 'alice', T0 + 1),
        notificationItem('dave', 'g1', 2, 'alice', T0 + 2),
        notificationItem('erin', 'g1', 2, 'alice', T0 + 100),
      ], T0);
      expect(await store.claimDueNotifications(T0, 10, LEASE)).toEqual([]);
      expect(await store.claimDueNotifications(T0 + 50, 0, LEASE)).toEqual([]);
      const claimed = await store.claimDueNotifications(T0 + 50, 2, LEASE);
      expect(claimed.map((r) => r.userId)).toEqual(['carol', 'dave']);
      for (const row of claimed) {
        expect(row).toMatchObject({ attempts: 1, leaseUntil: T0 + 50 + LEASE, conversationId: 'g1', lastSeq: 2 });
        expect(typeof row.claimToken).toBe('string');
      }
      expect(claimed[0]!.claimToken).not.toBe(claimed[1]!.claimToken);
      claimed[0]!.senders.push('mallory'); // a copy: the queue's record is not the caller's
      expect((await store.claimDueNotifications(T0 + 50, 10, LEASE)).map((r) => r.userId)).toEqual(['bob']);
      expect(await rowOf(store, 'carol', 'g1')).toMatchObject({ senders: ['alice'], attempts: 1 });
      expect((await store.claimDueNotifications(T0 + 100, 10, LEASE)).map((r) => r.userId)).toEqual(['erin']);
    },
  },
  {
    name: 'a claimed row is not claimed again while its lease holds; after it, with attempts + 1 and a new token that alone counts',
    async run(store) {
      await store.enqueueNotifications([notificationItem('bob', 'g1', 2)], T0);
      const first = await claimOne(store, T0);
      expect(await store.claimDueNotifications(T0 + LEASE - 1, 5, LEASE)).toEqual([]);
      const second = await claimOne(store, T0 + LEASE);
      expect(second).toMatchObject({ id: first.id, attempts: 2, leaseUntil: T0 + 2 * LEASE });
      expect(second.claimToken).not.toBe(first.claimToken);
      // The claimer that overran its lease may no longer end the claim; the new holder may, once.
      expect(await store.completeNotification(first.id, first.claimToken!, 2)).toBe(false);
      expect(await store.retryNotification(first.id, first.claimToken!, T0, 'late')).toBe(false);
      expect(await store.dropNotification(first.id, first.claimToken!)).toBe(false);
      expect(await rowOf(store, 'bob', 'g1')).toMatchObject({ attempts: 2, claimToken: second.claimToken });
      expect(await store.completeNotification(second.id, second.claimToken!, 2)).toBe(true);
      expect(await store.completeNotification(second.id, second.claimToken!, 2)).toBe(false);
      expect(await pending(store)).toEqual([]);
      expect(await store.completeNotification('nope', second.claimToken!, 2)).toBe(false);
    },
  },
  {
    name: 'concurrent claimers get disjoint rows that together are all of them',
    async run(store) {
      const users = range(1, 40).map((i) => `u${i}`);
      await store.enqueueNotifications(users.map((u, i) => notificationItem(u, `g${i % 3}`, 2 + (i % 5), 'alice', T0 + (i % 7))), T0);
      const claimer = async (): Promise<StoredNotification[]> => {
        const mine: StoredNotification[] = [];
        for (;;) {
          const batch = await store.claimDueNotifications(T0 + 10, 3, LEASE);
          if (batch.length === 0) return mine;
          mine.push(...batch);
          if (mine.length > 10 * users.length) throw new Error('claims never run out: rows are claimed again while leased');
        }
      };
      const sets = await Promise.all([claimer(), claimer(), claimer(), claimer()]);
      const claimed = sets.flat().map((r) => r.userId);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect([...claimed].sort()).toEqual([...users].sort());
      expect(sets.flat().every((r) => r.attempts === 1)).toBe(true);
    },
  },
  {
    name: 'completeNotification keeps what came after the claim pending as the row, due at its own time',
    async run(store) {
      await store.enqueueNotifications([notificationItem('bob', 'g1', 2, 'alice', T0), notificationItem('bob', 'g1', 3, 'alice', T0)], T0);
      const claimed = await claimOne(store, T0);
      expect(claimed).toMatchObject({ firstSeq: 2, lastSeq: 3, messages: 2 });
      // Messages while it is being sent: they do not make it due again under the claim.
      await store.enqueueNotifications([notificationItem('bob', 'g1', 4, 'carol', T0 + 500), notificationItem('bob', 'g1', 5, 'dave', T0 + 700, true)], T0 + 1);
      expect(await store.claimDueNotifications(T0 + 1000, 5, LEASE)).toEqual([]);
      expect(await store.completeNotification(claimed.id, claimed.claimToken!, 3)).toBe(true);
      expect(await pending(store)).toMatchObject([{
        id: claimed.id, firstSeq: 4, lastSeq: 5, messages: 2, senders: ['dave', 'carol'], mentioned: true,
        dueAt: T0 + 500, nextAttemptAt: T0 + 500, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null,
      }]);
      const next = await claimOne(store, T0 + 1000);
      expect(next).toMatchObject({ firstSeq: 4, lastSeq: 5, attempts: 1 });
      expect(await store.completeNotification(next.id, next.claimToken!, 5)).toBe(true);
      expect(await pending(store)).toEqual([]);
      // Gone, and a new message makes a new row.
      await store.enqueueNotifications([notificationItem('bob', 'g1', 6, 'alice', T0 + 2000)], T0 + 2000);
      expect(await pending(store)).toMatchObject([{ firstSeq: 6, lastSeq: 6, messages: 1, attempts: 0, createdAt: T0 + 2000 }]);
    },
  },
  {
    name: 'retryNotification puts the row back, due at its retry time, and messages meanwhile wait for it',
    async run(store) {
      await store.enqueueNotifications([notificationItem('bob', 'g1', 2)], T0);
      const claimed = await claimOne(store, T0);
      expect(await store.retryNotification(claimed.id, 'forged', T0 + 10, 'x')).toBe(false);
      expect(await store.retryNotification(claimed.id, claimed.claimToken!, T0 + 5_000, 'HTTP 500')).toBe(true);
      expect(await store.retryNotification(claimed.id, claimed.claimToken!, T0 + 6_000, 'again')).toBe(false);
      expect(await rowOf(store, 'bob', 'g1')).toMatchObject({ nextAttemptAt: T0 + 5_000, lastError: 'HTTP 500', attempts: 1, leaseUntil: 0, claimToken: null });
      await store.enqueueNotifications([notificationItem('bob', 'g1', 3, 'carol', T0 + 1)], T0 + 1);
      expect(await store.claimDueNotifications(T0 + 4_999, 5, LEASE)).toEqual([]);
      const again = await claimOne(store, T0 + 5_000);
      expect(again).toMatchObject({ attempts: 2, firstSeq: 2, lastSeq: 3, lastError: 'HTTP 500' });
      expect(await store.completeNotification(again.id, again.claimToken!, 3)).toBe(true);
      expect(await pending(store)).toEqual([]);
    },
  },
  {
    name: 'dropNotification removes the row and every message it holds, newer ones too',
    async run(store) {
      await store.enqueueNotifications([notificationItem('bob', 'g1', 2), notificationItem('bob', 'g2', 2)], T0);
      const [claimed] = await store.claimDueNotifications(T0, 1, LEASE);
      await store.enqueueNotifications([notificationItem('bob', claimed!.conversationId, 3)], T0 + 1);
      expect(await store.dropNotification(claimed!.id, 'forged')).toBe(false);
      expect(await store.dropNotification(claimed!.id, claimed!.claimToken!)).toBe(true);
      expect(await store.dropNotification(claimed!.id, claimed!.claimToken!)).toBe(false);
      expect((await pending(store)).map((r) => r.conversationId)).toEqual([claimed!.conversationId === 'g1' ? 'g2' : 'g1']);
    },
  },
  {
    name: 'push subscriptions: one per device, replaced on save; an endpoint moves to the device that saved it last',
    async run(store) {
      await store.savePushSubscription(pushSubscription('bob', 'laptop'));
      await store.savePushSubscription(pushSubscription('bob', 'phone'));
      await store.savePushSubscription(pushSubscription('carol', 'tablet'));
      expect((await store.listPushSubscriptions('bob')).map((s) => s.deviceId)).toEqual(['laptop', 'phone']);
      expect(await store.listPushSubscriptions('bob')).toEqual([pushSubscription('bob', 'laptop'), pushSubscription('bob', 'phone')]);
      const renewed = { ...pushSubscription('bob', 'phone', 'https://push.example/renewed'), expirationTime: T0 + 1000, createdAt: T0 + 5 };
      await store.savePushSubscription(renewed);
      expect(await store.listPushSubscriptions('bob')).toEqual([pushSubscription('bob', 'laptop'), renewed]);
      // carol logs in on bob's laptop browser: the browser's endpoint is hers now.
      await store.savePushSubscription({ ...pushSubscription('carol', 'laptop-2'), endpoint: pushSubscription('bob', 'laptop').endpoint });
      expect((await store.listPushSubscriptions('bob')).map((s) => s.deviceId)).toEqual(['phone']);
      expect((await store.listPushSubscriptions('carol')).map((s) => s.deviceId)).toEqual(['laptop-2', 'tablet']);
      expect(await store.removePushSubscription({ endpoint: 'https://push.example/renewed' })).toBe(1);
      expect(await store.removePushSubscription({ endpoint: 'https://push.example/renewed' })).toBe(0);
      expect(await store.listPushSubscriptions('bob')).toEqual([]);
      expect(await store.removePushSubscription({ userId: 'carol', deviceId: 'tablet' })).toBe(1);
      expect((await store.listPushSubscriptions('carol')).map((s) => s.deviceId)).toEqual(['laptop-2']);
      expect(await store.listPushSubscriptions('nobody')).toEqual([]);
    },
  },
  {
    name: 'setMemberNotify sets and clears a member\'s own notify level; members start with null',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob']);
      expect((await store.getMember('g1', 'bob'))?.notify).toBeNull();
      expect(await store.setMemberNotify('g1', 'bob', 'mentions')).toMatchObject({ userId: 'bob', role: 'member', notify: 'mentions' });
      expect((await store.getMember('g1', 'bob'))?.notify).toBe('mentions');
      expect((await store.listMembers('g1')).find((m) => m.userId === 'bob')?.notify).toBe('mentions');
      expect((await store.listMemberships('bob'))[0]?.member.notify).toBe('mentions');
      expect((await store.getMember('g1', 'alice'))?.notify).toBeNull();
      expect(await store.setMemberNotify('g1', 'bob', 'all')).toMatchObject({ notify: 'all' });
      expect(await store.setMemberNotify('g1', 'bob', null)).toMatchObject({ notify: null });
      expect((await store.getMember('g1', 'bob'))?.notify).toBeNull();
      expect(await store.setMemberNotify('g1', 'mallory', 'all')).toBeNull();
      expect(await store.getMember('g1', 'mallory')).toBeNull();
      // A member who left and came back starts from their default again.
      await store.setMemberNotify('g1', 'bob', 'mentions');
      await store.removeMembers('g1', ['bob']);
      await store.addMembers('g1', ['bob'], 'member', T0 + 9);
      expect((await store.getMember('g1', 'bob'))?.notify).toBeNull();
    },
  },
  {
    name: 'user settings keep notify (default all), changed only by a notify level',
    async run(store) {
      expect((await store.getUserSettings(['bob'])).get('bob')?.notify).toBe('all');
      expect(await store.updateUserSettings('bob', { notify: 'mentions' })).toMatchObject({ notify: 'mentions', readReceipts: true });
      expect(await store.updateUserSettings('bob', { readReceipts: false })).toMatchObject({ notify: 'mentions', readReceipts: false });
      expect(await store.updateUserSettings('bob', { notify: 'loud' as never })).toMatchObject({ notify: 'mentions' });
      expect(await store.updateUserSettings('bob', { notify: 'none' })).toMatchObject({ notify: 'none' });
      expect((await store.getUserSettings(['bob', 'carol'])).get('bob')?.notify).toBe('none');
      expect((await store.getUserSettings(['bob', 'carol'])).get('carol')?.notify).toBe('all');
    },
  },
];
