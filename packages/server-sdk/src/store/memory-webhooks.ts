import type { StoredDelivery, WebhookQueue } from './types.js';
import { byCreation, byDueTime, newClaimToken, queuedDelivery, replayedFields, settledFields } from './webhook-queue-helpers.js';

/**
 * The memory store's webhook queue: one map by id. Every method runs to its end without an
 * await, so a claim is atomic by construction; callers get copies, never the queue's records.
 */
export function createMemoryWebhookQueue(): WebhookQueue {
  const deliveries = new Map<string, StoredDelivery>();
  const copy = (delivery: StoredDelivery): StoredDelivery => ({ ...delivery });

  return {
    async enqueueDeliveries(batch, ts) {
      for (const delivery of batch) if (!deliveries.has(delivery.id)) deliveries.set(delivery.id, queuedDelivery(delivery, ts));
    },

    async claimDeliveries(now, limit, leaseMs) {
      if (limit <= 0) return [];
      const due = [...deliveries.values()]
        .filter((d) => d.state === 'pending' && d.nextAttemptAt <= now && d.leaseUntil <= now)
        .sort(byDueTime)
        .slice(0, limit);
      for (const delivery of due) {
        Object.assign(delivery, { leaseUntil: now + leaseMs, claimToken: newClaimToken(), attempts: delivery.attempts + 1, updatedAt: now });
      }
      return due.map(copy);
    },

    async settleDelivery(id, claimToken, outcome, ts) {
      const delivery = deliveries.get(id);
      if (!delivery || delivery.state !== 'pending' || delivery.claimToken !== claimToken) return false;
      Object.assign(delivery, settledFields(outcome, ts));
      return true;
    },

    async listDeliveries({ state, endpoint, after, limit }) {
      if (limit <= 0) return [];
      let cursor: StoredDelivery | undefined;
      if (after !== undefined) {
        cursor = deliveries.get(after);
        if (!cursor) return [];
      }
      return [...deliveries.values()]
        .filter((d) => d.state === state && (endpoint === undefined || d.endpoint === endpoint))
        .filter((d) => !cursor || byCreation(d, cursor) > 0)
        .sort(byCreation)
        .slice(0, limit)
        .map(copy);
    },

    async replayDeliveries(filter, now) {
      const chosen =
        'ids' in filter
          ? [...new Set(filter.ids)].flatMap((id) => deliveries.get(id) ?? [])
          : [...deliveries.values()].filter((d) => d.state === 'dead' && (filter.endpoint === undefined || d.endpoint === filter.endpoint));
      const requeued = chosen.filter((d) => d.state !== 'pending');
      for (const delivery of requeued) Object.assign(delivery, replayedFields(now));
      return requeued.length;
    },

    async purgeDeliveries(before) {
      let purged = 0;
      for (const [id, delivery] of deliveries) {
        if (delivery.state === 'delivered' && delivery.updatedAt < before) purged += Number(deliveries.delete(id));
      }
      return purged;
    },
  };
}
