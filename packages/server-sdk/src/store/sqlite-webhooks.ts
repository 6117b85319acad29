import type { Database } from 'better-sqlite3';
import type { DeliveryState, StoredDelivery, WebhookQueue } from './types.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { byDueTime, queuedDelivery } from './webhook-queue-helpers.js';

interface DeliveryRow {
  id: string;
  endpoint: string;
  event_id: string;
  conversation_id: string | null;
  payload: string | null;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  lease_until: number;
  claim_token: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

function toDelivery(row: DeliveryRow): StoredDelivery {
  return {
    id: row.id,
    endpoint: row.endpoint,
    eventId: row.event_id,
    conversationId: row.conversation_id,
    payload: row.payload,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    claimToken: row.claim_token,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The ids a claim takes, in claim order. INDEXED BY: with no statistics (a new file) the planner
 * prefers the (state, created_at) index and sorts every pending row; the partial index reads the
 * due ones in order and stops at the limit. Tests check its plan.
 */
export const DUE_DELIVERIES_SQL = `SELECT id FROM parley_webhook_deliveries INDEXED BY parley_webhook_deliveries_due
  WHERE state = 'pending' AND next_attempt_at <= @now AND lease_until <= @now
  ORDER BY next_attempt_at, id LIMIT @limit`;

/** Sets a row back to the queue: pending, due at @now, attempts from zero, no lease. */
const REPLAY = `UPDATE parley_webhook_deliveries SET state = 'pending', next_attempt_at = @now, attempts = 0,
  lease_until = 0, claim_token = NULL, updated_at = @now`;

/**
 * The SQLite store's webhook queue (`parley_webhook_deliveries`, schema 5). Every write is one
 * IMMEDIATE transaction: the claim selects and leases its rows in one `UPDATE … RETURNING` while
 * holding the file's write lock, so two processes sharing the file never lease the same row, and
 * a claim never fails on a snapshot another process's commit made stale.
 */
export function createSqliteWebhookQueue(db: Database): WebhookQueue {
  const sql = {
    insert: db.prepare(
      `INSERT INTO parley_webhook_deliveries (id, endpoint, event_id, conversation_id, payload, state, attempts, next_attempt_at,
         lease_until, claim_token, last_error, created_at, updated_at)
       VALUES (@id, @endpoint, @eventId, @conversationId, @payload, @state, @attempts, @nextAttemptAt,
         @leaseUntil, @claimToken, @lastError, @createdAt, @updatedAt)
       ON CONFLICT (id) DO NOTHING`,
    ),
    claim: db.prepare<{ now: number; leaseUntil: number; limit: number }, DeliveryRow>(
      `UPDATE parley_webhook_deliveries
       SET lease_until = @leaseUntil, claim_token = lower(hex(randomblob(16))), attempts = attempts + 1, updated_at = @now
       WHERE id IN (${DUE_DELIVERIES_SQL})
       RETURNING *`,
    ),
    settle: db.prepare<{ id: string; claimToken: string; state: DeliveryState; nextAttemptAt: number | null; error: string | null; ts: number }>(
      `UPDATE parley_webhook_deliveries
       SET state = @state, next_attempt_at = coalesce(@nextAttemptAt, next_attempt_at), last_error = coalesce(@error, last_error),
         lease_until = 0, claim_token = NULL, updated_at = @ts
       WHERE id = @id AND claim_token = @claimToken AND state = 'pending'`,
    ),
    cursor: db.prepare<[string], { created_at: number }>('SELECT created_at FROM parley_webhook_deliveries WHERE id = ?'),
    list: db.prepare<[DeliveryState, number, number, string, number], DeliveryRow>(
      `SELECT * FROM parley_webhook_deliveries WHERE state = ? AND (created_at > ? OR (created_at = ? AND id > ?))
       ORDER BY created_at, id LIMIT ?`,
    ),
    listOfEndpoint: db.prepare<[string, DeliveryState, number, number, string, number], DeliveryRow>(
      `SELECT * FROM parley_webhook_deliveries WHERE endpoint = ? AND state = ? AND (created_at > ? OR (created_at = ? AND id > ?))
       ORDER BY created_at, id LIMIT ?`,
    ),
    replayIds: db.prepare<{ now: number; ids: string }>(
      `${REPLAY} WHERE id IN (SELECT value FROM json_each(@ids)) AND state <> 'pending'`,
    ),
    replayDead: db.prepare<{ now: number; endpoint: string | null }>(
      `${REPLAY} WHERE state = 'dead' AND (@endpoint IS NULL OR endpoint = @endpoint)`,
    ),
    purge: db.prepare<[number]>("DELETE FROM parley_webhook_deliveries WHERE state = 'delivered' AND updated_at < ?"),
  };

  // Enqueues run before every ACK: those of one turn of the event loop share one commit (and
  // one fsync), as appends do.
  const enqueue = createGroupCommit(db, (rows: StoredDelivery[]) => {
    for (const row of rows) sql.insert.run(row);
  });
  const tx = {
    claim: db.transaction((params: { now: number; leaseUntil: number; limit: number }) => sql.claim.all(params)),
    run: db.transaction((statement: () => number) => statement()),
  };

  return {
    async enqueueDeliveries(deliveries, ts) {
      if (deliveries.length > 0) await enqueue(deliveries.map((d) => queuedDelivery(d, ts)));
    },

    async claimDeliveries(now, limit, leaseMs) {
      if (limit <= 0) return [];
      return tx.claim.immediate({ now, leaseUntil: now + leaseMs, limit: Math.trunc(limit) }).map(toDelivery).sort(byDueTime);
    },

    async settleDelivery(id, claimToken, outcome, ts) {
      const params = {
        id,
        claimToken,
        state: outcome.state,
        nextAttemptAt: outcome.state === 'pending' ? outcome.nextAttemptAt : null,
        error: outcome.state === 'delivered' ? null : outcome.error,
        ts,
      };
      return tx.run.immediate(() => sql.settle.run(params).changes) === 1;
    },

    async listDeliveries({ state, endpoint, after, limit }) {
      if (limit <= 0) return [];
      let from = { createdAt: Number.MIN_SAFE_INTEGER, id: '' };
      if (after !== undefined) {
        const cursor = sql.cursor.get(after);
        if (!cursor) return [];
        from = { createdAt: cursor.created_at, id: after };
      }
      const page = Math.trunc(limit);
      const rows =
        endpoint === undefined
          ? sql.list.all(state, from.createdAt, from.createdAt, from.id, page)
          : sql.listOfEndpoint.all(endpoint, state, from.createdAt, from.createdAt, from.id, page);
      return rows.map(toDelivery);
    },

    async replayDeliveries(filter, now) {
      if ('ids' in filter) {
        if (filter.ids.length === 0) return 0;
        const ids = JSON.stringify([...new Set(filter.ids)]);
        return tx.run.immediate(() => sql.replayIds.run({ now, ids }).changes);
      }
      return tx.run.immediate(() => sql.replayDead.run({ now, endpoint: filter.endpoint ?? null }).changes);
    },

    async purgeDeliveries(before) {
      return tx.run.immediate(() => sql.purge.run(before).changes);
    },
  };
}
