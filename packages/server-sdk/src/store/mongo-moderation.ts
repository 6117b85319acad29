import type { Collection, Db, Filter, WriteConcernSettings } from 'mongodb';
import type { ModerationStore, StoredReport } from './types.js';
import { isDuplicateKeyError, withIndexRetries } from './mongo-documents.js';
import { blocksAfter } from './moderation-helpers.js';

/** One block: `_id` is `${userId}\n${blockedId}`, so blocking again is a duplicate insert. */
interface BlockDoc {
  _id: string;
  userId: string;
  blockedId: string;
  /** Position in the user's list: one more than the list's last when blocked (`listBlocks` order). */
  order: number;
  createdAt: number;
}

/** One ban: `_id` is `${conversationId}\n${userId}`. */
interface BanDoc {
  _id: string;
  conversationId: string;
  userId: string;
  order: number;
  createdAt: number;
}

/** One report: `_id` is `${conversationId}\n${messageId}\n${reporterId}`, so a repeat finds the first. */
interface ReportDoc extends StoredReport {
  _id: string;
}

export interface MongoModerationOptions {
  db: Db;
  prefix: string;
  writeConcern: WriteConcernSettings;
  /** Resolves once the store may be used (format checked, indexes made). */
  ready: () => Promise<void>;
}

const toReport = ({ _id: _key, ...report }: ReportDoc): StoredReport => report;

/** Inserts documents, ignoring those whose `_id` is there already (idempotent adds). */
async function insertNew<T extends { _id: string }>(collection: Collection<T>, docs: T[]): Promise<void> {
  if (docs.length === 0) return;
  try {
    await collection.insertMany(docs as never[], { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
    const list: unknown[] = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    if (!(list.length > 0 ? list.every(isDuplicateKeyError) : isDuplicateKeyError(error))) throw error;
  }
}

/**
 * The MongoDB store's blocks, bans and reports: `<prefix>blocks`, `<prefix>bans`, `<prefix>reports`
 * (format 4, additive). Keys are the documents' `_id`s, so adding twice, even concurrently, keeps
 * one. Without transactions, a block list's limit is a read then a write: two devices of one user
 * blocking at the same moment may pass `maxBlocks` by what the other added (never by more).
 */
export function createMongoModeration(options: MongoModerationOptions): ModerationStore & { ensureIndexes(): Promise<void> } {
  const base = { writeConcern: options.writeConcern, readPreference: 'primary' as const, readConcern: { level: 'local' as const } };
  const blocks = options.db.collection<BlockDoc>(`${options.prefix}blocks`, base);
  const bans = options.db.collection<BanDoc>(`${options.prefix}bans`, base);
  const reports = options.db.collection<ReportDoc>(`${options.prefix}reports`, base);
  const { ready } = options;

  const listBlocks = async (userId: string) => (await blocks.find({ userId }).sort({ order: 1, blockedId: 1 }).toArray());
  const listBans = async (conversationId: string) => (await bans.find({ conversationId }).sort({ order: 1, userId: 1 }).toArray());
  const after = (last: { order: number } | undefined, i: number) => (last?.order ?? 0) + 1 + i;

  return {
    async ensureIndexes() {
      // One index per command, retried: as createMongoIndexes (mongo-documents.ts) does for FerretDB.
      const specs = [
        () => blocks.createIndex({ userId: 1, order: 1 }, { name: 'parley_blocks_user' }),
        () => blocks.createIndex({ blockedId: 1, userId: 1 }, { name: 'parley_blocks_blocked' }),
        () => bans.createIndex({ conversationId: 1, order: 1 }, { name: 'parley_bans_conversation' }),
        () => reports.createIndex({ updatedAt: -1, id: 1 }, { name: 'parley_reports_recent' }),
        () => reports.createIndex({ conversationId: 1, updatedAt: -1, id: 1 }, { name: 'parley_reports_conversation' }),
        () => reports.createIndex({ id: 1 }, { name: 'parley_reports_id' }),
      ];
      for (const create of specs) await withIndexRetries(create);
    },

    async listBlocks(userId) {
      await ready();
      return (await listBlocks(userId)).map((b) => b.blockedId);
    },

    async updateBlocks(userId, change, maxBlocks, ts) {
      await ready();
      const current = await listBlocks(userId);
      // Throws before any write: a refused change changes nothing.
      const { added, removed } = blocksAfter(current.map((b) => b.blockedId), change, maxBlocks);
      const last = current.at(-1);
      await insertNew(blocks, added.map((blockedId, i) => ({ _id: `${userId}\n${blockedId}`, userId, blockedId, order: after(last, i), createdAt: ts })));
      if (removed.length > 0) await blocks.deleteMany({ _id: { $in: removed.map((blockedId) => `${userId}\n${blockedId}`) }, userId });
      return (await listBlocks(userId)).map((b) => b.blockedId);
    },

    async blockedBetween(userId, others) {
      await ready();
      const unique = [...new Set(others)];
      if (unique.length === 0) return [];
      const [mine, theirs] = await Promise.all([
        blocks.find({ userId, blockedId: { $in: unique } }, { projection: { blockedId: 1 } }).toArray(),
        blocks.find({ blockedId: userId, userId: { $in: unique } }, { projection: { userId: 1 } }).toArray(),
      ]);
      const found = new Set([...mine.map((b) => b.blockedId), ...theirs.map((b) => b.userId)]);
      return unique.filter((id) => found.has(id));
    },

    async listBans(conversationId) {
      await ready();
      return (await listBans(conversationId)).map((b) => b.userId);
    },

    async addBans(conversationId, userIds, ts) {
      await ready();
      const unique = [...new Set(userIds)];
      if (unique.length === 0) return;
      const [last] = await bans.find({ conversationId }).sort({ order: -1 }).limit(1).toArray();
      await insertNew(bans, unique.map((userId, i) => ({ _id: `${conversationId}\n${userId}`, conversationId, userId, order: after(last, i), createdAt: ts })));
    },

    async removeBans(conversationId, userIds) {
      await ready();
      if (userIds.length === 0) return;
      await bans.deleteMany({ _id: { $in: [...new Set(userIds)].map((userId) => `${conversationId}\n${userId}`) }, conversationId });
    },

    async filterBanned(conversationId, userIds) {
      await ready();
      const unique = [...new Set(userIds)];
      if (unique.length === 0) return [];
      const found = new Set((await bans.find({ conversationId, userId: { $in: unique } }, { projection: { userId: 1 } }).toArray()).map((b) => b.userId));
      return unique.filter((id) => found.has(id));
    },

    async saveReport(report) {
      await ready();
      const _id = `${report.conversationId}\n${report.messageId}\n${report.reporterId}`;
      try {
        await reports.insertOne({ ...report, _id });
        return { report: { ...report }, created: true };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Reported before (or concurrently): the first report keeps its id and createdAt.
      await reports.updateOne({ _id }, { $set: { reason: report.reason, updatedAt: report.updatedAt } });
      const doc = await reports.findOne({ _id });
      if (!doc) throw new Error(`report ${_id} vanished while it was being updated`);
      return { report: toReport(doc), created: false };
    },

    async listReports({ conversationId, after: afterId, limit }) {
      await ready();
      if (limit <= 0) return [];
      const filter: Filter<ReportDoc> = conversationId === undefined ? {} : { conversationId };
      if (afterId !== undefined) {
        const cursor = await reports.findOne({ id: afterId });
        // A cursor that no longer exists gives an empty page, as listDeliveries does.
        if (!cursor) return [];
        filter.$or = [{ updatedAt: { $lt: cursor.updatedAt } }, { updatedAt: cursor.updatedAt, id: { $gt: cursor.id } }];
      }
      return (await reports.find(filter).sort({ updatedAt: -1, id: 1 }).limit(limit).toArray()).map(toReport);
    },
  };
}
