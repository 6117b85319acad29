import { randomUUID } from 'node:crypto';
import type { DeliveryOutcome, NewDelivery, StoredDelivery } from './types.js';

/** A claim's token: unguessable, so that only the claimer that got it can settle the delivery. */
export function newClaimToken(): string {
  return randomUUID();
}

/** A delivery as `enqueueDeliveries` first stores it. */
export function queuedDelivery(delivery: NewDelivery, ts: number): StoredDelivery {
  const { id, endpoint, eventId, conversationId, payload, nextAttemptAt, createdAt } = delivery;
  return {
    id,
    endpoint,
    eventId,
    conversationId,
    payload,
    nextAttemptAt,
    createdAt,
    state: 'pending',
    attempts: 0,
    leaseUntil: 0,
    claimToken: null,
    lastError: null,
    updatedAt: ts,
  };
}

/** The fields a settle writes: the outcome's state, its retry time and error, no lease, no token. */
export function settledFields(outcome: DeliveryOutcome, ts: number): Partial<StoredDelivery> {
  const base = { state: outcome.state, leaseUntil: 0, claimToken: null, updatedAt: ts };
  switch (outcome.state) {
    case 'delivered':
      return base;
    case 'pending':
      return { ...base, nextAttemptAt: outcome.nextAttemptAt, lastError: outcome.error };
    case 'dead':
      return { ...base, lastError: outcome.error };
  }
}

/** The fields a replay writes: pending, due at `now`, attempts from zero, no lease. */
export function replayedFields(now: number): Partial<StoredDelivery> {
  return { state: 'pending', nextAttemptAt: now, attempts: 0, leaseUntil: 0, claimToken: null, updatedAt: now };
}

/** The claim order: oldest due first, then id (so two stores agree on ties). */
export function byDueTime(a: StoredDelivery, b: StoredDelivery): number {
  return a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The list order: oldest created first, then id. */
export function byCreation(a: Pick<StoredDelivery, 'createdAt' | 'id'>, b: Pick<StoredDelivery, 'createdAt' | 'id'>): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
