import { createMongoSearchIndex } from './mongo-search.js';
import type { Db, WriteConcernSettings } from 'mongodb';
import type { ChatStore, CreateConversationInput, MemberRole, StoredConversation } from './types.js';
import { createdEventInput } from './store-helpers.js';
import { pageOf } from './membership-page.js';
import { createMongoAppender } from './mongo-append.js';
import { createMongoReceiptsPrivacy } from './mongo-receipts-privacy.js';
import { createMongoLanes } from './mongo-lanes.js';
import { createMongoReactions } from './mongo-reactions.js';
import { createMongoLogEnd } from './mongo-log-end.js';
import { checkMongoFormat } from './mongo-meta.js';
import { createMongoWebhookQueue } from './mongo-webhooks.js';
import { createMongoModeration } from './mongo-moderation.js';
import { createMongoAttachments } from './mongo-attachments.js';
import { createMongoNotifications } from './mongo-notifications.js';
import { createMongoDetails } from './mongo-details.js';
import { createMongoChanges } from './mongo-changes.js';
import type { Logger } from '../logger.js';
import {
  createMongoIndexes,
  isDuplicateKeyError,
  memberKey,
  openCollections,
  toConversation,
  toEvent,
  toMember,
  type ConversationDoc,
} from './mongo-documents.js';

export interface MongoStoreOptions {
  /** Your database; the store never closes its client. */
  db: Db;
  /** Prefix of the collection names (`conversations`, `members`, `events`). Default `parley_`. */
  collectionPrefix?: string;
  /**
   * Write concern of every write. Default `{ w: 'majority', journal: true }`: a message is ACKed
   * only once a majority has it on disk, so no failover can lose it or give its seq to another.
   */
  writeConcern?: WriteConcernSettings;
  /**
   * Read concern of event reads. Default `majority` when writes are majority, else `local`.
   * `majority` never shows an event a failover could roll back.
   */
  readConcern?: 'majority' | 'local';
  /** Create the indexes before the first operation (idempotent). Default true. */
  autoIndex?: boolean;
  /** Where the store reports what an operator should know (a database from a newer Parley). Default: JSON lines on stderr, warnings and up. */
  logger?: Pick<Logger, 'warn'>;
}

/** A MongoDB-backed `ChatStore`, plus the index set-up it depends on. */
export interface MongoChatStore extends ChatStore {
  /** Creates Parley's indexes if missing. Run at deploy/start; `autoIndex` also runs it once. */
  ensureIndexes(): Promise<void>;
}

/**
 * The production store, on the official `mongodb` driver and your own `Db`. Needs no
 * multi-document transactions, so it runs on a standalone server, a replica set, a sharded
 * cluster (shard `events` by `conversationId`) or FerretDB; seq allocation stays correct with
 * any number of server nodes (see docs/storage.md).
 *
 * @example
 * import { MongoClient } from 'mongodb';
 * import { createMongoStore } from '@parley/server-sdk/mongodb';
 *
 * const client = await MongoClient.connect(process.env.MONGODB_URI!);
 * const store = createMongoStore({ db: client.db('chat') });
 * await store.ensureIndexes();
 * const chat = createChatServer({ server, store, authenticate });
 */
export function createMongoStore(options: MongoStoreOptions): MongoChatStore {
  const writeConcern = options.writeConcern ?? { w: 'majority', journal: true };
  const readConcern = options.readConcern ?? (writeConcern.w === 'majority' ? 'majority' : 'local');
  const collections = openCollections(options.db, options.collectionPrefix ?? 'parley_', writeConcern, readConcern);
  const { conversations, members, events } = collections;
  const appender = createMongoAppender(collections);
  // Reads take the end of the log from the log: the conversation's lastSeq may lag after a crash.
  const logEnd = createMongoLogEnd(collections);
  const lanes = createMongoLanes(collections);
  const reactions = createMongoReactions(collections);
  const receiptsPrivacy = createMongoReceiptsPrivacy({
    db: options.db,
    prefix: options.collectionPrefix ?? 'parley_',
    writeConcern,
    members,
    highestSeq: appender.highestSeq,
  });

  const webhooks = createMongoWebhookQueue({
    db: options.db,
    prefix: options.collectionPrefix ?? 'parley_',
    writeConcern,
    ready: () => ready(),
  });
  const moderation = createMongoModeration({
    db: options.db,
    prefix: options.collectionPrefix ?? 'parley_',
    writeConcern,
    ready: () => ready(),
  });
  const attachments = createMongoAttachments({
    db: options.db,
    prefix: options.collectionPrefix ?? 'parley_',
    writeConcern,
    ready: () => ready(),
  });
  const notifications = createMongoNotifications({ db: options.db, prefix: options.collectionPrefix ?? 'parley_', writeConcern, members, ready: () => ready() });
  const details = createMongoDetails(collections, logEnd.findConversation);
  const changes = createMongoChanges(collections, appender, logEnd.findConversation, lanes.eraseMessage);

  // Checked before anything else touches the database: a newer release's format is used only
  // when it says this build can (see mongo-meta.ts), and refused before any write otherwise.
  let format: Promise<void> | undefined;
  function checkFormat(): Promise<void> {
    format ??= checkMongoFormat(options.db, options.collectionPrefix ?? 'parley_', writeConcern, options.logger).catch((error: unknown) => {
      format = undefined; // let the next call try again
      throw error;
    });
    return format;
  }
  // Message search in the same database, fed by the server from the log (its indexes made with the store's).
  const searchIndex = createMongoSearchIndex(options.db, {
    collectionPrefix: options.collectionPrefix ?? 'parley_',
    writeConcern,
    autoIndex: options.autoIndex !== false,
  });
  let indexes: Promise<void> | undefined;
  function ensureIndexes(): Promise<void> {
    indexes ??= checkFormat()
      .then(() => createMongoIndexes(collections))
      .then(() => receiptsPrivacy.ensureIndexes())
      .then(() => webhooks.ensureIndexes())
      .then(() => moderation.ensureIndexes())
      .then(() => changes.ensureIndexes())
      .then(() => attachments.ensureIndexes())
      .then(() => notifications.ensureIndexes())
      .then(() => searchIndex.ensureIndexes())
      .catch((error: unknown) => {
        indexes = undefined; // let the next call try again
        throw error;
      });
    return indexes;
  }
  const ready = () => (options.autoIndex === false ? checkFormat() : ensureIndexes());

  // memberCount is recounted rather than $inc'ed, so that a crash mid-change cannot skew it for
  // good. Concurrent recounts may race; each re-checks after writing and the last one settles it.
  async function recount(conversationId: string): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const count = await members.countDocuments({ conversationId });
      await conversations.updateOne({ _id: conversationId }, { $set: { memberCount: count } });
      if ((await members.countDocuments({ conversationId })) === count) return;
    }
  }

  async function join(conversationId: string, userIds: string[], roleOf: (userId: string) => MemberRole, ts: number, roleChange = 0) {
    const unique = [...new Set(userIds)];
    const added = await Promise.all(
      unique.map(async (userId) => {
        try {
          const result = await members.updateOne(
            // The filter carries conversationId (the shard key, if sharded) and the upsert copies it.
            { _id: memberKey(conversationId, userId), conversationId },
            { $setOnInsert: { userId, role: roleOf(userId), joinedAt: ts, deliveredSeq: 0, readSeq: 0, ...(roleChange > 0 ? { roleChange } : {}) } },
            { upsert: true },
          );
          return result.upsertedCount === 1;
        } catch (error) {
          // A concurrent upsert of the same membership won: it is a member, not one we added.
          if (isDuplicateKeyError(error)) return false;
          throw error;
        }
      }),
    );
    await recount(conversationId);
    return unique.filter((_, i) => added[i]);
  }

  /**
   * Brings a conversation whose creation may have been cut short (by a crash, or because a
   * concurrent create is still running) to its complete state: members, then the created event,
   * which its system clientMsgId makes append once. A lastSeq above 0 means both are done.
   */
  async function completeCreation(doc: ConversationDoc): Promise<StoredConversation> {
    if (doc.lastSeq === 0) {
      const input: CreateConversationInput = {
        id: doc._id,
        kind: doc.kind,
        title: doc.title,
        createdBy: doc.createdBy,
        members: doc.initialMembers,
        directKey: doc.directKey ?? null,
        ts: doc.createdAt,
      };
      await join(doc._id, input.members, (userId) => (userId === input.createdBy ? 'owner' : 'member'), input.ts);
      await appender.append(createdEventInput(input));
    }
    const done = await conversations.findOne({ _id: doc._id });
    if (!done) throw new Error(`conversation ${doc._id} vanished while it was being created`);
    return toConversation(done);
  }

  async function existingDirect(directKey: string | null) {
    return directKey ? conversations.findOne({ directKey }) : null;
  }

  const { ensureIndexes: _webhookIndexes, ...queue } = webhooks;
  const { ensureIndexes: _moderationIndexes, ...moderationStore } = moderation;
  const { ensureIndexes: _attachmentIndexes, ...attachmentStore } = attachments;
  const { ensureIndexes: _notificationIndexes, ...notificationStore } = notifications;
  return {
    ...queue,
    ...moderationStore,
    ...attachmentStore,
    ...notificationStore,
    searchIndex,
    ensureIndexes,

    async updateConversation(conversationId, patch) {
      await ready();
      return details.updateConversation(conversationId, patch);
    },

    async setRoles(conversationId, changes) {
      await ready();
      return details.setRoles(conversationId, changes);
    },

    async setMutedUntil(conversationId, userId, until) {
      await ready();
      return details.setMutedUntil(conversationId, userId, until);
    },

    async createConversation(input) {
      await ready();
      const existing = await existingDirect(input.directKey);
      if (existing) return { conversation: await completeCreation(existing), created: false };
      const doc: ConversationDoc = {
        _id: input.id,
        kind: input.kind,
        title: input.title,
        ...(input.directKey ? { directKey: input.directKey } : {}),
        createdBy: input.createdBy,
        createdAt: input.ts,
        lastSeq: 0,
        lastActivityAt: input.ts,
        memberCount: 0,
        initialMembers: [...new Set(input.members)],
      };
      try {
        await conversations.insertOne(doc);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // A concurrent create of the same direct conversation won the unique directKey.
        const winner = await existingDirect(input.directKey);
        if (!winner) throw new Error(`conversation ${input.id} already exists`, { cause: error });
        return { conversation: await completeCreation(winner), created: false };
      }
      return { conversation: await completeCreation(doc), created: true };
    },

    async getConversation(conversationId) {
      await ready();
      const doc = await logEnd.findConversation(conversationId);
      return doc ? toConversation(doc) : null;
    },

    async getMember(conversationId, userId) {
      await ready();
      const doc = await members.findOne({ _id: memberKey(conversationId, userId), conversationId });
      return doc ? toMember(doc) : null;
    },

    async listMembers(conversationId, filter) {
      await ready();
      return (await members.find({ conversationId, ...(filter?.role ? { role: filter.role } : {}) }).toArray()).map(toMember);
    },

    async listMemberships(userId, page) {
      await ready();
      const memberships = await members.find({ userId }).toArray();
      if (memberships.length === 0) return [];
      const docs = await logEnd.withLogEnds(
        await conversations.find({ _id: { $in: memberships.map((m) => m.conversationId) } }).toArray(),
      );
      const byId = new Map(docs.map((doc) => [doc._id, doc]));
      const rows = memberships.flatMap((m) => {
        const doc = byId.get(m.conversationId);
        return doc ? [{ conversation: toConversation(doc), member: toMember(m) }] : [];
      });
      // Paged after the read: the order key is the repaired lastActivityAt, which a query on the
      // stored hint could not sort by. The membership documents are small even for thousands.
      return pageOf(rows, page);
    },

    async addMembers(conversationId, userIds, role, ts) {
      await ready();
      if (!(await conversations.findOne({ _id: conversationId }, { projection: { _id: 1 } }))) return [];
      // A role change made before the join and finished late does not apply to the new member (mongo-changes.ts).
      return join(conversationId, userIds, () => role, ts, await changes.roleStamp(conversationId));
    },

    async removeMembers(conversationId, userIds) {
      await ready();
      const unique = [...new Set(userIds)];
      const removed = await Promise.all(
        unique.map(async (userId) => {
          const result = await members.deleteOne({ _id: memberKey(conversationId, userId), conversationId });
          return result.deletedCount === 1;
        }),
      );
      const ids = unique.filter((_, i) => removed[i]);
      if (ids.length > 0) await receiptsPrivacy.devices.deleteMany({ conversationId, userId: { $in: ids } });
      if (ids.length > 0) await recount(conversationId);
      await details.passOwnership(conversationId);
      return ids;
    },

    async append(input) {
      await ready();
      return appender.append(input);
    },

    async appendChange(input) {
      await ready();
      return changes.appendChange(input);
    },

    async finishPendingChanges(conversationId) {
      await ready();
      return changes.finishPendingChanges(conversationId);
    },

    async findEvent(conversationId, senderId, clientMsgId) {
      await ready();
      const doc = await events.findOne({ conversationId, senderId, clientMsgId });
      return doc ? toEvent(doc) : null;
    },

    async getEvent(conversationId, eventId) {
      await ready();
      // conversationId in the filter: an id of another conversation is not found (and a sharded
      // events collection is asked on one shard).
      const doc = await events.findOne({ _id: eventId, conversationId });
      return doc ? toEvent(doc) : null;
    },

    async readAfter(conversationId, afterSeq, limit) {
      await ready();
      // limit(0) means "no limit" to MongoDB.
      if (limit <= 0) return [];
      const docs = await events.find({ conversationId, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit).toArray();
      return docs.map(toEvent);
    },

    async readBefore(conversationId, beforeSeq, limit) {
      await ready();
      if (limit <= 0) return [];
      const docs = await events.find({ conversationId, seq: { $lt: beforeSeq } }).sort({ seq: -1 }).limit(limit).toArray();
      return docs.map(toEvent).reverse();
    },

    async readLane(conversationId, lane, beforeSeq, limit) {
      await ready();
      return lanes.readLane(conversationId, lane, beforeSeq, limit);
    },

    async readChanges(conversationId, messageSeqs, throughSeq, options) {
      await ready();
      return lanes.readChanges(conversationId, messageSeqs, throughSeq, options);
    },

    async readReactions(conversationId, messageSeqs, throughSeq) {
      await ready();
      return reactions.readReactions(conversationId, messageSeqs, throughSeq);
    },

    async countReplies(conversationId, rootSeqs, throughSeq) {
      await ready();
      return lanes.countReplies(conversationId, rootSeqs, throughSeq);
    },

    async eraseMessage(conversationId, messageSeq, options) {
      await ready();
      return lanes.eraseMessage(conversationId, messageSeq, options);
    },

    async updateDeviceWatermarks(conversationId, userId, deviceId, update, ts) {
      await ready();
      return receiptsPrivacy.updateDeviceWatermarks(conversationId, userId, deviceId, update, ts);
    },

    async filterCoMembers(userId, candidates) {
      await ready();
      return receiptsPrivacy.filterCoMembers(userId, candidates);
    },

    async getUserSettings(userId) {
      await ready();
      return receiptsPrivacy.getUserSettings(userId);
    },

    async updateUserSettings(userId, patch) {
      await ready();
      return receiptsPrivacy.updateUserSettings(userId, patch);
    },

    async countUnread(conversationId, userId, afterSeq) {
      await ready();
      return events.countDocuments({ conversationId, seq: { $gt: afterSeq }, kind: 'message', senderId: { $ne: userId } });
    },

    async countUnreadMentions(conversationId, userId, afterSeq) {
      await ready();
      // isUnreadMention as a query; the parley_events_mentions index serves it (conversation,
      // user, seq range). No hint: a deployment with autoIndex off and no index yet still counts.
      return events.countDocuments({ conversationId, 'data.mentions': userId, seq: { $gt: afterSeq }, kind: 'message', senderId: { $ne: userId } });
    },

    async close() {
      // The client is the caller's; only let this store's own appends finish.
      await appender.settled();
    },
  };
}
