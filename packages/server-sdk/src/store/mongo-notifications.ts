import type { Collection, Db, WriteConcernSettings } from 'mongodb';
import type { ChatStore } from './types.js';
import type { NotificationItem, NotificationQueue, PushSubscriptionStore, StoredNotification, StoredPushSubscription } from './notification-types.js';
import { isDuplicateKeyError, memberKey, toMember, withIndexRetries, type MemberDoc } from './mongo-documents.js';
import { byNextAttempt, newNotificationToken, notificationId, storedNotification } from './notification-queue-helpers.js';

/** A pending row's schedule: `_id` is its id. What it holds is its item documents. */
export interface NotificationDoc {
  _id: string;
  userId: string;
  conversationId: string;
  nextAttemptAt: number;
  attempts: number;
  /** Hints for claimers, written by the claim's winner; the claim documents are the truth. */
  leaseUntil: number;
  claimToken: string | null;
  lastError: string | null;
  /** Claims taken so far: where the next claim's number starts. */
  claims: number;
  createdAt: number;
}

/** One message of a row: inserted once (`_id` is `${row}\n${seq}`), never changed. */
export interface NotificationItemDoc {
  _id: string;
  notificationId: string;
  seq: number;
  senderId: string;
  mentioned: boolean;
  dueAt: number;
}

/** Claim number `claim` of a row: its unique `_id` is what makes one claimer win it. */
export interface NotificationClaimDoc {
  /** `${notificationId}\n${claim}`. */
  _id: string;
  notificationId: string;
  claim: number;
  /** Null once the claim ended (completed, retried): the token no longer counts. */
  claimToken: string | null;
  leaseUntil: number;
}

interface SubscriptionDoc extends Omit<StoredPushSubscription, 'expirationTime'> {
  /** `${userId}\n${deviceId}`. */
  _id: string;
  expirationTime: number | null;
}

export interface MongoNotificationsOptions {
  db: Db;
  prefix: string;
  writeConcern: WriteConcernSettings;
  members: Collection<MemberDoc>;
  /** Resolves once the store may be used (format checked, indexes made). */
  ready: () => Promise<void>;
}

/** True when every write of a bulk insert that failed failed on a duplicate key. */
function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 ? list.every(isDuplicateKeyError) : isDuplicateKeyError(error);
}

/** Inserts what is not there yet; returns the ids it inserted (the others were there). */
async function insertIgnoringDuplicates<T extends { _id: string }>(collection: Collection<T>, docs: T[]): Promise<Set<string>> {
  const inserted = new Set(docs.map((doc) => doc._id));
  if (docs.length === 0) return inserted;
  try {
    // The driver's insert type wants an optional _id; these carry theirs.
    await collection.insertMany(docs as unknown as Parameters<Collection<T>['insertMany']>[0], { ordered: false });
  } catch (error) {
    if (!onlyDuplicates(error)) throw error;
    const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
    const failed = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as Array<{ index?: number }>;
    // Without the failed writes' indexes, none counts as inserted (the caller then changes nothing it need not).
    if (failed.some((e) => typeof e.index !== 'number')) return new Set();
    for (const e of failed) inserted.delete(docs[e.index!]!._id);
  }
  return inserted;
}

/**
 * The MongoDB store's notification queue (format 6): `<prefix>notifications` (one schedule per
 * pending row), `<prefix>notification_items` (the messages of each row, insert-only) and
 * `<prefix>notification_claims` (one document per claim). Nothing here rests on an update being
 * atomic, because on FerretDB an update is a read then a write: a message is a unique insert, so
 * a repeat is a no-op and a completion, which deletes the items it covered, never loses one
 * queued meanwhile; a claim is won by inserting its number under a unique `_id`, as webhook
 * claims are (mongo-webhooks.ts). An enqueue inserts its items before their row, and a
 * completion that empties a row deletes the row before it looks for items again (re-making the
 * row for any it finds), so a message never waits behind no row: a node killed inside that
 * second step can leave one, which the next message for that user in that conversation repairs.
 */
export function createMongoNotifications(
  options: MongoNotificationsOptions,
): NotificationQueue & PushSubscriptionStore & Pick<ChatStore, 'setMemberNotify'> & { ensureIndexes(): Promise<void> } {
  const base = { writeConcern: options.writeConcern, readPreference: 'primary' as const, readConcern: { level: 'local' as const } };
  const rows = options.db.collection<NotificationDoc>(`${options.prefix}notifications`, base);
  const items = options.db.collection<NotificationItemDoc>(`${options.prefix}notification_items`, base);
  const claims = options.db.collection<NotificationClaimDoc>(`${options.prefix}notification_claims`, base);
  const subscriptions = options.db.collection<SubscriptionDoc>(`${options.prefix}push_subscriptions`, base);
  const { ready, members } = options;

  const itemsOf = (id: string) => items.find({ notificationId: id }, { projection: { seq: 1, senderId: 1, mentioned: 1, dueAt: 1 } }).toArray();
  const rowState = (doc: NotificationDoc) => ({ ...doc, id: doc._id });

  /** Makes the row of items that have none (its row was deleted as they came). */
  async function remake(id: string, userId: string, conversationId: string, now: number): Promise<void> {
    const [first] = await items.find({ notificationId: id }).sort({ dueAt: 1 }).limit(1).toArray();
    if (!first) return;
    const doc: NotificationDoc = { _id: id, userId, conversationId, nextAttemptAt: first.dueAt, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null, claims: 0, createdAt: now };
    await insertIgnoringDuplicates(rows, [doc]);
  }

  /** The claim of `claimToken` on row `id`, if it is the row's newest and still open. */
  async function heldClaim(id: string, claimToken: string): Promise<NotificationClaimDoc | null> {
    const claim = await claims.findOne({ notificationId: id, claimToken });
    if (!claim) return null;
    const newer = await claims.findOne({ notificationId: id, claim: { $gt: claim.claim } }, { projection: { _id: 1 } });
    return newer ? null : claim;
  }

  /** Deletes a row its claimer emptied, then its claims; items that came meanwhile get the row back. */
  async function removeRow(row: NotificationDoc, claim: NotificationClaimDoc): Promise<void> {
    await rows.deleteOne({ _id: row._id });
    await claims.deleteMany({ notificationId: row._id, claim: { $lte: claim.claim } });
    await remake(row._id, row.userId, row.conversationId, row.createdAt);
  }

  /** Wins the next claim of `doc` (or null when another claimer holds it) and leases the row. */
  async function claimOne(doc: NotificationDoc, now: number, leaseMs: number): Promise<StoredNotification | null> {
    const claimToken = newNotificationToken();
    const leaseUntil = now + leaseMs;
    let claim = doc.claims + 1;
    for (let step = 0; ; step++) {
      try {
        await claims.insertOne({ _id: `${doc._id}\n${claim}`, notificationId: doc._id, claim, claimToken, leaseUntil });
        break;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        if (step >= 2) return null;
        const [newest] = await claims.find({ notificationId: doc._id }).sort({ claim: -1 }).limit(1).toArray();
        if (!newest || (newest.claimToken !== null && newest.leaseUntil > now)) return null;
        claim = newest.claim + 1;
      }
    }
    const ours = { _id: `${doc._id}\n${claim}`, notificationId: doc._id, claim, claimToken, leaseUntil };
    const leased = await rows.findOneAndUpdate(
      { _id: doc._id, nextAttemptAt: { $lte: now }, leaseUntil: { $lte: now } },
      { $set: { leaseUntil, claimToken }, $inc: { attempts: 1 }, $max: { claims: claim } },
      { returnDocument: 'after' },
    );
    if (!leased) {
      // Completed or retried since it was read: give the number back (it is ours alone).
      await claims.deleteOne({ _id: ours._id });
      return null;
    }
    const held = await itemsOf(doc._id);
    if (held.length > 0) return storedNotification(rowState(leased), held);
    // A row left without items (its completion was cut short): nothing to send.
    await removeRow(leased, ours);
    return null;
  }

  return {
    async ensureIndexes() {
      const specs = [
        () => rows.createIndex({ nextAttemptAt: 1, _id: 1 }, { name: 'parley_notifications_due' }),
        () => rows.createIndex({ userId: 1, conversationId: 1 }, { name: 'parley_notifications_user' }),
        () => items.createIndex({ notificationId: 1, seq: 1 }, { name: 'parley_notification_items_row' }),
        () => claims.createIndex({ notificationId: 1, claim: 1 }, { name: 'parley_notification_claims_row' }),
        () => subscriptions.createIndex({ endpoint: 1 }, { name: 'parley_push_subscriptions_endpoint', unique: true }),
        () => subscriptions.createIndex({ userId: 1, deviceId: 1 }, { name: 'parley_push_subscriptions_user' }),
      ];
      for (const create of specs) await withIndexRetries(create);
    },

    async enqueueNotifications(batch, now) {
      await ready();
      if (batch.length === 0) return;
      const recipients = new Map<string, NotificationItem>();
      const docs = new Map<string, NotificationItemDoc>();
      for (const item of batch) {
        const id = notificationId(item.userId, item.conversationId);
        const itemId = `${id}\n${item.seq}`;
        if (!docs.has(itemId)) docs.set(itemId, { _id: itemId, notificationId: id, seq: item.seq, senderId: item.senderId, mentioned: item.mentioned, dueAt: item.dueAt });
        recipients.set(id, item);
      }
      // Items first, rows second: a row deleted in between is made again here (and a retried
      // enqueue whose first run was cut between the two makes it too).
      const inserted = await insertIgnoringDuplicates(items, [...docs.values()]);
      const dueAt = new Map<string, number>();
      for (const doc of docs.values()) dueAt.set(doc.notificationId, Math.min(dueAt.get(doc.notificationId) ?? doc.dueAt, doc.dueAt));
      const fresh = [...recipients].map(([id, item]): NotificationDoc => ({
        _id: id, userId: item.userId, conversationId: item.conversationId, nextAttemptAt: dueAt.get(id)!, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null, claims: 0, createdAt: now,
      }));
      const made = await insertIgnoringDuplicates(rows, fresh);
      // A row that was there already, neither claimed nor backing off, is due at its earliest
      // item: only new items count (a repeat changes nothing).
      const sooner = new Map<string, number>();
      for (const doc of docs.values()) {
        if (made.has(doc.notificationId) || !inserted.has(doc._id)) continue;
        sooner.set(doc.notificationId, Math.min(sooner.get(doc.notificationId) ?? doc.dueAt, doc.dueAt));
      }
      if (sooner.size > 0) {
        await rows.bulkWrite(
          [...sooner].map(([id, at]) => ({
            updateOne: { filter: { _id: id, nextAttemptAt: { $gt: at }, claimToken: null, attempts: 0 }, update: { $set: { nextAttemptAt: at } } },
          })),
          { ordered: false },
        );
      }
    },

    async claimDueNotifications(now, limit, leaseMs) {
      await ready();
      const out: StoredNotification[] = [];
      // Claimers racing for the same earliest rows lose some of them: look again a few times.
      for (let round = 0; round < 4 && out.length < limit; round++) {
        const want = Math.trunc(limit) - out.length;
        const candidates = await rows.find({ nextAttemptAt: { $lte: now }, leaseUntil: { $lte: now } }).sort({ nextAttemptAt: 1, _id: 1 }).limit(want).toArray();
        const won = await Promise.all(candidates.map((doc) => claimOne(doc, now, leaseMs)));
        for (const row of won) if (row) out.push(row);
        if (candidates.length < want && won.every(Boolean)) break;
      }
      return out.sort(byNextAttempt);
    },

    async completeNotification(id, claimToken, throughSeq) {
      await ready();
      const claim = await heldClaim(id, claimToken);
      const row = claim && (await rows.findOne({ _id: id }));
      if (!claim || !row) return false;
      await items.deleteMany({ notificationId: id, seq: { $lte: throughSeq } });
      const [next] = await items.find({ notificationId: id }).sort({ dueAt: 1 }).limit(1).toArray();
      if (!next) {
        await removeRow(row, claim);
        return true;
      }
      await rows.updateOne({ _id: id }, { $set: { nextAttemptAt: next.dueAt, attempts: 0, leaseUntil: 0, claimToken: null, lastError: null } });
      await claims.updateOne({ _id: claim._id }, { $set: { claimToken: null, leaseUntil: 0 } });
      return true;
    },

    async retryNotification(id, claimToken, nextAttemptAt, error) {
      await ready();
      const claim = await heldClaim(id, claimToken);
      if (!claim) return false;
      const { matchedCount } = await rows.updateOne({ _id: id }, { $set: { nextAttemptAt, lastError: error, leaseUntil: 0, claimToken: null } });
      await claims.updateOne({ _id: claim._id }, { $set: { claimToken: null, leaseUntil: 0 } });
      return matchedCount === 1;
    },

    async dropNotification(id, claimToken) {
      await ready();
      const claim = await heldClaim(id, claimToken);
      if (!claim) return false;
      const { deletedCount } = await rows.deleteOne({ _id: id });
      await items.deleteMany({ notificationId: id });
      await claims.deleteMany({ notificationId: id, claim: { $lte: claim.claim } });
      return deletedCount === 1;
    },

    async listNotifications({ userId, limit }) {
      await ready();
      if (limit <= 0) return [];
      const docs = await rows.find(userId === undefined ? {} : { userId }).sort({ userId: 1, conversationId: 1 }).limit(Math.trunc(limit)).toArray();
      const shown = await Promise.all(docs.map(async (doc) => {
        const held = await itemsOf(doc._id);
        return held.length > 0 ? storedNotification(rowState(doc), held) : null;
      }));
      return shown.filter((row): row is StoredNotification => row !== null);
    },

    async savePushSubscription(s) {
      await ready();
      const _id = `${s.userId}\n${s.deviceId}`;
      // The endpoint moves to this device: off any other first (it is unique).
      await subscriptions.deleteMany({ endpoint: s.endpoint, _id: { $ne: _id } });
      const doc: SubscriptionDoc = { _id, userId: s.userId, deviceId: s.deviceId, endpoint: s.endpoint, keys: { p256dh: s.keys.p256dh, auth: s.keys.auth }, expirationTime: s.expirationTime, createdAt: s.createdAt };
      for (let attempt = 1; ; attempt++) {
        try {
          await subscriptions.replaceOne({ _id }, doc, { upsert: true });
          return;
        } catch (error) {
          // Two saves raced: of this device (the loser replaces the winner's), or of this endpoint
          // by another device (the newest save wins: take it off there again).
          if (!isDuplicateKeyError(error) || attempt >= 3) throw error;
          await subscriptions.deleteMany({ endpoint: s.endpoint, _id: { $ne: _id } });
        }
      }
    },

    async removePushSubscription(which) {
      await ready();
      const filter = 'endpoint' in which ? { endpoint: which.endpoint } : { _id: `${which.userId}\n${which.deviceId}` };
      return (await subscriptions.deleteMany(filter)).deletedCount;
    },

    async listPushSubscriptions(userId) {
      await ready();
      const docs = await subscriptions.find({ userId }).sort({ deviceId: 1 }).toArray();
      return docs.map(({ _id: _key, ...rest }) => rest);
    },

    async setMemberNotify(conversationId, userId, notify) {
      await ready();
      const update = notify === null ? { $unset: { notify: '' as const } } : { $set: { notify } };
      const doc = await members.findOneAndUpdate({ _id: memberKey(conversationId, userId), conversationId }, update, { returnDocument: 'after' });
      return doc ? toMember(doc) : null;
    },
  };
}
