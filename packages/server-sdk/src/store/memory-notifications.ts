import type { NotificationItem, NotificationQueue, PushSubscriptionStore, StoredPushSubscription } from './notification-types.js';
import {
  byNextAttempt,
  byRecipient,
  foldItems,
  newNotificationToken,
  notificationId,
  storedNotification,
  type NotificationRowState,
} from './notification-queue-helpers.js';

interface Row {
  state: NotificationRowState;
  /** By seq. */
  items: Map<number, NotificationItem>;
}

/**
 * The memory store's notification queue and push subscriptions: maps, each method without an
 * await, so a claim is atomic by construction; callers get copies.
 */
export function createMemoryNotifications(): NotificationQueue & PushSubscriptionStore & { clear(): void } {
  const rows = new Map<string, Row>();
  /** By `${userId}\n${deviceId}`. */
  const subscriptions = new Map<string, StoredPushSubscription>();

  const held = (id: string, token: string) => {
    const row = rows.get(id);
    return row && row.state.claimToken === token ? row : undefined;
  };
  const shown = (row: Row) => storedNotification(row.state, row.items.values());

  return {
    async enqueueNotifications(items, now) {
      for (const item of items) {
        const id = notificationId(item.userId, item.conversationId);
        let row = rows.get(id);
        if (!row) {
          const state = { id, userId: item.userId, conversationId: item.conversationId, nextAttemptAt: item.dueAt, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null, createdAt: now };
          rows.set(id, (row = { state, items: new Map() }));
        }
        if (row.items.has(item.seq)) continue;
        row.items.set(item.seq, { ...item });
        // Neither claimed nor backing off: due at its earliest item.
        if (row.state.claimToken === null && row.state.attempts === 0) row.state.nextAttemptAt = Math.min(row.state.nextAttemptAt, item.dueAt);
      }
    },

    async claimDueNotifications(now, limit, leaseMs) {
      if (limit <= 0) return [];
      const due = [...rows.values()]
        .filter((row) => row.state.nextAttemptAt <= now && row.state.leaseUntil <= now)
        .sort((a, b) => byNextAttempt(a.state, b.state))
        .slice(0, limit);
      for (const row of due) Object.assign(row.state, { leaseUntil: now + leaseMs, claimToken: newNotificationToken(), attempts: row.state.attempts + 1 });
      return due.map(shown);
    },

    async completeNotification(id, claimToken, throughSeq) {
      const row = held(id, claimToken);
      if (!row) return false;
      for (const seq of row.items.keys()) if (seq <= throughSeq) row.items.delete(seq);
      if (row.items.size === 0) {
        rows.delete(id);
        return true;
      }
      const { dueAt } = foldItems(row.items.values());
      Object.assign(row.state, { nextAttemptAt: dueAt, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null });
      return true;
    },

    async retryNotification(id, claimToken, nextAttemptAt, error) {
      const row = held(id, claimToken);
      if (!row) return false;
      Object.assign(row.state, { nextAttemptAt, lastError: error, leaseUntil: 0, claimToken: null });
      return true;
    },

    async dropNotification(id, claimToken) {
      return held(id, claimToken) ? rows.delete(id) : false;
    },

    async listNotifications({ userId, limit }) {
      if (limit <= 0) return [];
      return [...rows.values()]
        .filter((row) => userId === undefined || row.state.userId === userId)
        .map(shown)
        .sort(byRecipient)
        .slice(0, limit);
    },

    async savePushSubscription(subscription) {
      for (const [key, existing] of subscriptions) if (existing.endpoint === subscription.endpoint) subscriptions.delete(key);
      subscriptions.set(`${subscription.userId}\n${subscription.deviceId}`, structuredClone(subscription));
    },

    async removePushSubscription(which) {
      let removed = 0;
      for (const [key, s] of subscriptions) {
        const match = 'endpoint' in which ? s.endpoint === which.endpoint : s.userId === which.userId && s.deviceId === which.deviceId;
        if (match) removed += Number(subscriptions.delete(key));
      }
      return removed;
    },

    async listPushSubscriptions(userId) {
      return [...subscriptions.values()]
        .filter((s) => s.userId === userId)
        .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
        .map((s) => structuredClone(s));
    },

    clear() {
      rows.clear();
      subscriptions.clear();
    },
  };
}
