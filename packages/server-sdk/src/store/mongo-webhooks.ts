import type { Db, Filter, WriteConcernSettings } from 'mongodb';
import type { DeliveryState, NewDelivery, StoredDelivery, WebhookQueue } from './types.js';
import { isDuplicateKeyError, withIndexRetries } from './mongo-documents.js';
import { byDueTime, newClaimToken, queuedDelivery, replayedFields, settledFields } from './webhook-queue-helpers.js';

/** A delivery as stored: the contract's shape keyed by its id, plus how many claims it has had. */
export interface DeliveryDoc extends Omit<StoredDelivery, 'id'> {
  _id: string;
  /** Claims taken so far (never reset, unlike `attempts`): where the next claim's number starts. */
  claims: number;
}

/** Claim number `claim` of a delivery: its unique `_id` is what makes one claimer win it. */
export interface ClaimDoc {
  /** `${deliveryId}\n${claim}`. */
  _id: string;
  deliveryId: string;
  claim: number;
  claimToken: string;
  leaseUntil: number;
}

export interface MongoWebhookQueueOptions {
  db: Db;
  prefix: string;
  writeConcern: WriteConcernSettings;
  /** Resolves once the store may be used (format checked, indexes made). */
  ready: () => Promise<void>;
}

const toDelivery = ({ _id, endpoint, eventId, conversationId, payload, nextAttemptAt, createdAt, state, attempts, leaseUntil, claimToken, lastError, updatedAt }: DeliveryDoc): StoredDelivery => ({
  id: _id, endpoint, eventId, conversationId, payload, nextAttemptAt, createdAt, state, attempts, leaseUntil, claimToken, lastError, updatedAt,
});

const dueAt = (now: number): Filter<DeliveryDoc> => ({ state: 'pending', nextAttemptAt: { $lte: now }, leaseUntil: { $lte: now } });

/** True when every write of a bulk insert that failed failed on a duplicate key. */
function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 ? list.every(isDuplicateKeyError) : isDuplicateKeyError(error);
}

/**
 * The MongoDB store's webhook queue: `<prefix>webhook_deliveries`, one document per delivery, and
 * `<prefix>webhook_claims`, one document per claim. A claim is won by inserting the claim's
 * document under a unique `_id` (delivery, claim number): FerretDB runs `findOneAndUpdate` as a
 * read then a write, so two claimers may both "win" it (measured: 4 concurrent claimers took 100
 * deliveries 291 times), while a unique insert has exactly one winner everywhere. The delivery is
 * then leased with a `findOneAndUpdate` filtered on being due, which on MongoDB is atomic too.
 * A claimer killed between the two leaves a claim document whose lease runs out; the next claimer
 * then takes the following number. Claim documents go with their delivery at purge.
 */
export function createMongoWebhookQueue(options: MongoWebhookQueueOptions): WebhookQueue & { ensureIndexes(): Promise<void> } {
  const base = { writeConcern: options.writeConcern, readPreference: 'primary' as const, readConcern: { level: 'local' as const } };
  const deliveries = options.db.collection<DeliveryDoc>(`${options.prefix}webhook_deliveries`, base);
  const claims = options.db.collection<ClaimDoc>(`${options.prefix}webhook_claims`, base);
  const { ready } = options;

  /** Wins the next claim of `doc` (or null when another claimer holds it) and leases the delivery. */
  async function claimOne(doc: DeliveryDoc, now: number, leaseMs: number): Promise<StoredDelivery | null> {
    const claimToken = newClaimToken();
    const leaseUntil = now + leaseMs;
    let claim = doc.claims + 1;
    for (let step = 0; ; step++) {
      try {
        await claims.insertOne({ _id: `${doc._id}\n${claim}`, deliveryId: doc._id, claim, claimToken, leaseUntil });
        break;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        if (step >= 2) return null; // others keep taking the numbers: leave it to them
        // Taken: by a live claimer (lost), or by one whose lease ran out before it leased the
        // delivery (killed mid-claim, or read the delivery stale): then the number after the newest.
        const [newest] = await claims.find({ deliveryId: doc._id }).sort({ claim: -1 }).limit(1).toArray();
        if (!newest || newest.leaseUntil > now) return null;
        claim = newest.claim + 1;
      }
    }
    const leased = await deliveries.findOneAndUpdate(
      { _id: doc._id, ...dueAt(now) },
      { $set: { leaseUntil, claimToken, updatedAt: now }, $inc: { attempts: 1 }, $max: { claims: claim } },
      { returnDocument: 'after' },
    );
    if (leased) return toDelivery(leased);
    // Settled, replayed or purged since it was read: give the number back (it is ours alone).
    await claims.deleteOne({ _id: `${doc._id}\n${claim}` });
    return null;
  }

  return {
    async ensureIndexes() {
      // One index per command, retried: as createMongoIndexes (mongo-documents.ts) does for FerretDB.
      const specs = [
        () => deliveries.createIndex({ state: 1, nextAttemptAt: 1, _id: 1 }, { name: 'parley_webhook_deliveries_due' }),
        () => deliveries.createIndex({ state: 1, createdAt: 1, _id: 1 }, { name: 'parley_webhook_deliveries_state' }),
        () => deliveries.createIndex({ endpoint: 1, state: 1, createdAt: 1, _id: 1 }, { name: 'parley_webhook_deliveries_endpoint' }),
        () => claims.createIndex({ deliveryId: 1, claim: 1 }, { name: 'parley_webhook_claims_delivery' }),
      ];
      for (const create of specs) await withIndexRetries(create);
    },

    async enqueueDeliveries(batch, ts) {
      await ready();
      const unique = new Map<string, NewDelivery>();
      for (const delivery of batch) if (!unique.has(delivery.id)) unique.set(delivery.id, delivery);
      if (unique.size === 0) return;
      const docs = [...unique.values()].map((delivery): DeliveryDoc => {
        const { id, ...rest } = queuedDelivery(delivery, ts);
        return { _id: id, ...rest, claims: 0 };
      });
      try {
        await deliveries.insertMany(docs, { ordered: false });
      } catch (error) {
        // Ids already queued stay as they are; the others were inserted (unordered).
        if (!onlyDuplicates(error)) throw error;
      }
    },

    async claimDeliveries(now, limit, leaseMs) {
      await ready();
      const out: StoredDelivery[] = [];
      // Claimers racing for the same oldest deliveries lose some of them: look again a few times.
      for (let round = 0; round < 4 && out.length < limit; round++) {
        const want = Math.trunc(limit) - out.length;
        const candidates = await deliveries.find(dueAt(now)).sort({ nextAttemptAt: 1, _id: 1 }).limit(want).toArray();
        const won = await Promise.all(candidates.map((doc) => claimOne(doc, now, leaseMs)));
        for (const delivery of won) if (delivery) out.push(delivery);
        if (candidates.length < want && won.every(Boolean)) break;
      }
      return out.sort(byDueTime);
    },

    async settleDelivery(id, claimToken, outcome, ts) {
      await ready();
      const result = await deliveries.updateOne({ _id: id, claimToken, state: 'pending' }, { $set: settledFields(outcome, ts) });
      return result.modifiedCount === 1;
    },

    async listDeliveries({ state, endpoint, after, limit }) {
      await ready();
      if (limit <= 0) return [];
      const filter: Filter<DeliveryDoc> = { state, ...(endpoint === undefined ? {} : { endpoint }) };
      if (after !== undefined) {
        const cursor = await deliveries.findOne({ _id: after }, { projection: { createdAt: 1 } });
        if (!cursor) return [];
        filter.$or = [{ createdAt: { $gt: cursor.createdAt } }, { createdAt: cursor.createdAt, _id: { $gt: after } }];
      }
      const docs = await deliveries.find(filter).sort({ createdAt: 1, _id: 1 }).limit(Math.trunc(limit)).toArray();
      return docs.map(toDelivery);
    },

    async replayDeliveries(filter, now) {
      await ready();
      const which: Filter<DeliveryDoc> =
        'ids' in filter
          ? { _id: { $in: [...new Set(filter.ids)] }, state: { $in: ['dead', 'delivered'] satisfies DeliveryState[] } }
          : { state: 'dead', ...(filter.endpoint === undefined ? {} : { endpoint: filter.endpoint }) };
      if ('ids' in filter && filter.ids.length === 0) return 0;
      return (await deliveries.updateMany(which, { $set: replayedFields(now) })).modifiedCount;
    },

    async purgeDeliveries(before) {
      await ready();
      let purged = 0;
      for (;;) {
        const ids = (await deliveries.find({ state: 'delivered', updatedAt: { $lt: before } }, { projection: { _id: 1 } }).limit(500).toArray()).map((d) => d._id);
        if (ids.length === 0) return purged;
        const { deletedCount } = await deliveries.deleteMany({ _id: { $in: ids }, state: 'delivered', updatedAt: { $lt: before } });
        // A claim number left behind (a crash in between) only makes a later claim skip a number.
        await claims.deleteMany({ deliveryId: { $in: ids } });
        purged += deletedCount;
        if (deletedCount === 0) return purged;
      }
    },
  };
}
