import type { Database } from 'better-sqlite3';
import type { ChatStore } from './types.js';
import { toMember, type MemberRow } from './sqlite-rows.js';
import type { NotificationItem, NotificationQueue, PushSubscriptionStore, StoredNotification, StoredPushSubscription } from './notification-types.js';
import { NOTIFICATION_SENDERS } from './notification-types.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { byNextAttempt, notificationId } from './notification-queue-helpers.js';

interface RowRow {
  id: string;
  user_id: string;
  conversation_id: string;
  next_attempt_at: number;
  attempts: number;
  lease_until: number;
  claim_token: string | null;
  last_error: string | null;
  created_at: number;
}

interface FoldRow {
  first_seq: number;
  last_seq: number;
  messages: number;
  mentioned: number;
  due_at: number;
}

interface SubscriptionRow {
  user_id: string;
  device_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expiration_time: number | null;
  created_at: number;
}

const toSubscription = (row: SubscriptionRow): StoredPushSubscription => ({
  userId: row.user_id,
  deviceId: row.device_id,
  endpoint: row.endpoint,
  keys: { p256dh: row.p256dh, auth: row.auth },
  expirationTime: row.expiration_time,
  createdAt: row.created_at,
});

/**
 * The ids a claim takes, in claim order, from the (next_attempt_at, id) index: leased rows are
 * skipped in passing (at most the rows in flight on every node).
 */
export const DUE_NOTIFICATIONS_SQL = `SELECT id FROM parley_notifications INDEXED BY parley_notifications_due
  WHERE next_attempt_at <= @now AND lease_until <= @now ORDER BY next_attempt_at, id LIMIT @limit`;

/**
 * The SQLite store's notification queue and push subscriptions (schema 7). Every write is one
 * IMMEDIATE transaction: a claim selects and leases its rows in one `UPDATE … RETURNING` under the
 * file's write lock, so two processes sharing the file never lease the same row; enqueues of one
 * turn of the event loop share one commit, as appends do.
 */
export function createSqliteNotifications(db: Database): NotificationQueue & PushSubscriptionStore & Pick<ChatStore, 'setMemberNotify'> {
  const sql = {
    insertRow: db.prepare<{ id: string; userId: string; conversationId: string; dueAt: number; now: number }>(
      `INSERT INTO parley_notifications (id, user_id, conversation_id, next_attempt_at, created_at)
       VALUES (@id, @userId, @conversationId, @dueAt, @now) ON CONFLICT (id) DO NOTHING`,
    ),
    insertItem: db.prepare<{ id: string; seq: number; senderId: string; mentioned: number; dueAt: number }>(
      `INSERT INTO parley_notification_items (notification_id, seq, sender_id, mentioned, due_at)
       VALUES (@id, @seq, @senderId, @mentioned, @dueAt) ON CONFLICT (notification_id, seq) DO NOTHING`,
    ),
    // Neither claimed nor backing off: due at its earliest item.
    earlier: db.prepare<{ id: string; dueAt: number }>(
      `UPDATE parley_notifications SET next_attempt_at = @dueAt
       WHERE id = @id AND next_attempt_at > @dueAt AND claim_token IS NULL AND attempts = 0`,
    ),
    claim: db.prepare<{ now: number; leaseUntil: number; limit: number }, RowRow>(
      `UPDATE parley_notifications
       SET lease_until = @leaseUntil, claim_token = lower(hex(randomblob(16))), attempts = attempts + 1
       WHERE id IN (${DUE_NOTIFICATIONS_SQL}) RETURNING *`,
    ),
    fold: db.prepare<[string], FoldRow>(
      `SELECT min(seq) AS first_seq, max(seq) AS last_seq, count(*) AS messages, max(mentioned) AS mentioned, min(due_at) AS due_at
       FROM parley_notification_items WHERE notification_id = ?`,
    ),
    senders: db.prepare<[string, number], { sender_id: string }>(
      `SELECT sender_id, max(seq) AS newest FROM parley_notification_items WHERE notification_id = ?
       GROUP BY sender_id ORDER BY newest DESC LIMIT ?`,
    ),
    held: db.prepare<[string, string], { id: string }>('SELECT id FROM parley_notifications WHERE id = ? AND claim_token = ?'),
    completeItems: db.prepare<[string, number]>('DELETE FROM parley_notification_items WHERE notification_id = ? AND seq <= ?'),
    dropItems: db.prepare<[string]>('DELETE FROM parley_notification_items WHERE notification_id = ?'),
    dropRow: db.prepare<[string]>('DELETE FROM parley_notifications WHERE id = ?'),
    reopen: db.prepare<[number, string]>(
      'UPDATE parley_notifications SET next_attempt_at = ?, attempts = 0, lease_until = 0, claim_token = NULL, last_error = NULL WHERE id = ?',
    ),
    retry: db.prepare<{ id: string; claimToken: string; nextAttemptAt: number; error: string }>(
      `UPDATE parley_notifications SET next_attempt_at = @nextAttemptAt, last_error = @error, lease_until = 0, claim_token = NULL
       WHERE id = @id AND claim_token = @claimToken`,
    ),
    list: db.prepare<[number], RowRow>('SELECT * FROM parley_notifications ORDER BY user_id, conversation_id LIMIT ?'),
    listOfUser: db.prepare<[string, number], RowRow>('SELECT * FROM parley_notifications WHERE user_id = ? ORDER BY conversation_id LIMIT ?'),
    dropEndpoint: db.prepare<[string]>('DELETE FROM parley_push_subscriptions WHERE endpoint = ?'),
    dropDevice: db.prepare<[string, string]>('DELETE FROM parley_push_subscriptions WHERE user_id = ? AND device_id = ?'),
    saveSubscription: db.prepare(
      `INSERT INTO parley_push_subscriptions (user_id, device_id, endpoint, p256dh, auth, expiration_time, created_at)
       VALUES (@user_id, @device_id, @endpoint, @p256dh, @auth, @expiration_time, @created_at)
       ON CONFLICT (user_id, device_id) DO UPDATE SET endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
         expiration_time = excluded.expiration_time, created_at = excluded.created_at`,
    ),
    subscriptions: db.prepare<[string], SubscriptionRow>('SELECT * FROM parley_push_subscriptions WHERE user_id = ? ORDER BY device_id'),
    memberNotify: db.prepare<[string | null, string, string], MemberRow>(
      'UPDATE parley_members SET notify = ? WHERE conversation_id = ? AND user_id = ? RETURNING *',
    ),
  };

  /** A row with what its items say; null when it holds none (never, while the row exists). */
  function shown(row: RowRow): StoredNotification | null {
    const fold = sql.fold.get(row.id);
    if (!fold || fold.messages === 0) return null;
    return {
      id: row.id,
      userId: row.user_id,
      conversationId: row.conversation_id,
      firstSeq: fold.first_seq,
      lastSeq: fold.last_seq,
      messages: fold.messages,
      senders: sql.senders.all(row.id, NOTIFICATION_SENDERS).map((s) => s.sender_id),
      mentioned: fold.mentioned === 1,
      dueAt: fold.due_at,
      nextAttemptAt: row.next_attempt_at,
      attempts: row.attempts,
      leaseUntil: row.lease_until,
      claimToken: row.claim_token,
      lastError: row.last_error,
      createdAt: row.created_at,
    };
  }

  const enqueue = createGroupCommit(db, (input: { items: readonly NotificationItem[]; now: number }) => {
    for (const item of input.items) {
      const id = notificationId(item.userId, item.conversationId);
      sql.insertRow.run({ id, userId: item.userId, conversationId: item.conversationId, dueAt: item.dueAt, now: input.now });
      const added = sql.insertItem.run({ id, seq: item.seq, senderId: item.senderId, mentioned: Number(item.mentioned), dueAt: item.dueAt });
      if (added.changes === 1) sql.earlier.run({ id, dueAt: item.dueAt });
    }
  });

  const tx = {
    claim: db.transaction((params: { now: number; leaseUntil: number; limit: number }) =>
      sql.claim.all(params).flatMap((row) => shown(row) ?? []),
    ),
    complete: db.transaction((id: string, claimToken: string, throughSeq: number) => {
      if (!sql.held.get(id, claimToken)) return false;
      sql.completeItems.run(id, throughSeq);
      const rest = sql.fold.get(id);
      if (!rest || rest.messages === 0) sql.dropRow.run(id);
      else sql.reopen.run(rest.due_at, id);
      return true;
    }),
    drop: db.transaction((id: string, claimToken: string) => {
      if (!sql.held.get(id, claimToken)) return false;
      sql.dropItems.run(id);
      sql.dropRow.run(id);
      return true;
    }),
    run: db.transaction((statement: () => number) => statement()),
    save: db.transaction((s: StoredPushSubscription) => {
      sql.dropEndpoint.run(s.endpoint);
      sql.saveSubscription.run({
        user_id: s.userId,
        device_id: s.deviceId,
        endpoint: s.endpoint,
        p256dh: s.keys.p256dh,
        auth: s.keys.auth,
        expiration_time: s.expirationTime,
        created_at: s.createdAt,
      });
    }),
  };

  return {
    async enqueueNotifications(items, now) {
      if (items.length > 0) await enqueue({ items, now });
    },
    async claimDueNotifications(now, limit, leaseMs) {
      if (limit <= 0) return [];
      return tx.claim.immediate({ now, leaseUntil: now + leaseMs, limit: Math.trunc(limit) }).sort(byNextAttempt);
    },
    async completeNotification(id, claimToken, throughSeq) {
      return tx.complete.immediate(id, claimToken, throughSeq);
    },
    async retryNotification(id, claimToken, nextAttemptAt, error) {
      return tx.run.immediate(() => sql.retry.run({ id, claimToken, nextAttemptAt, error }).changes) === 1;
    },
    async dropNotification(id, claimToken) {
      return tx.drop.immediate(id, claimToken);
    },
    async listNotifications({ userId, limit }) {
      if (limit <= 0) return [];
      const rows = userId === undefined ? sql.list.all(Math.trunc(limit)) : sql.listOfUser.all(userId, Math.trunc(limit));
      return rows.flatMap((row) => shown(row) ?? []);
    },
    async savePushSubscription(subscription) {
      tx.save.immediate(subscription);
    },
    async removePushSubscription(which) {
      return tx.run.immediate(() =>
        'endpoint' in which ? sql.dropEndpoint.run(which.endpoint).changes : sql.dropDevice.run(which.userId, which.deviceId).changes,
      );
    },
    async listPushSubscriptions(userId) {
      return sql.subscriptions.all(userId).map(toSubscription);
    },
    async setMemberNotify(conversationId, userId, notify) {
      const row = sql.memberNotify.get(notify, conversationId, userId);
      return row ? toMember(row) : null;
    },
  };
}
