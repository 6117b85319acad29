import type { Db, WriteConcernSettings } from 'mongodb';
import type { AttachmentStore, StoredAttachment } from './attachment-types.js';
import { withIndexRetries } from './mongo-documents.js';

/** One upload record: `_id` is the attachment id. Absent optional fields read as absent. */
interface AttachmentDoc extends StoredAttachment {
  _id: string;
}

export interface MongoAttachmentsOptions {
  db: Db;
  prefix: string;
  writeConcern: WriteConcernSettings;
  /** Resolves once the store may be used (format checked, indexes made). */
  ready: () => Promise<void>;
}

const toAttachment = ({ _id: _key, ...record }: AttachmentDoc): StoredAttachment => record;

/**
 * The MongoDB store's upload records: `<prefix>attachments` (format 5, additive). Every state
 * change is one conditional `updateOne` on one document, atomic without transactions: a send and
 * a sweep racing for a record never both win it. A claim of several records is one update each;
 * a send that dies between two leaves the first claimed by its clientMsgId, which its retry
 * claims again (and the sweep collects if it never comes).
 */
export function createMongoAttachments(options: MongoAttachmentsOptions): AttachmentStore & { ensureIndexes(): Promise<void> } {
  const base = { writeConcern: options.writeConcern, readPreference: 'primary' as const, readConcern: { level: 'local' as const } };
  const records = options.db.collection<AttachmentDoc>(`${options.prefix}attachments`, base);
  const { ready } = options;

  return {
    async ensureIndexes() {
      const specs = [
        () => records.createIndex({ conversationId: 1, messageId: 1 }, { name: 'parley_attachments_message' }),
        () => records.createIndex({ state: 1, createdAt: 1 }, { name: 'parley_attachments_sweep' }),
        () => records.createIndex({ uploaderId: 1, state: 1 }, { name: 'parley_attachments_uploader' }),
      ];
      for (const create of specs) await withIndexRetries(create);
    },
    async insertAttachment(attachment) {
      await ready();
      // Absent optional fields stay absent (the driver would store an `undefined` as null).
      const doc = Object.fromEntries(Object.entries({ _id: attachment.id, ...attachment }).filter(([, value]) => value !== undefined));
      await records.insertOne(doc as unknown as AttachmentDoc);
    },
    async getAttachments(conversationId, ids) {
      await ready();
      const docs = await records.find({ _id: { $in: [...ids] }, conversationId }).toArray();
      const byId = new Map(docs.map((doc) => [doc._id, toAttachment(doc)]));
      return ids.flatMap((id) => {
        const record = byId.get(id);
        return record ? [record] : [];
      });
    },
    async claimAttachments(conversationId, uploaderId, ids, clientMsgId, now) {
      await ready();
      const out: StoredAttachment[] = [];
      for (const id of ids) {
        const base = { _id: id, conversationId, uploaderId };
        // Two updates rather than one with a pipeline: FerretDB 1.x has no update pipelines.
        let { matchedCount } = await records.updateOne({ ...base, state: 'pending' }, { $set: { state: 'claimed', clientMsgId, claimedAt: now } });
        if (matchedCount === 0) {
          ({ matchedCount } = await records.updateOne({ ...base, state: { $in: ['claimed', 'attached'] }, clientMsgId }, { $set: { claimedAt: now } }));
        }
        if (matchedCount === 0) continue;
        const doc = await records.findOne({ _id: id });
        if (doc && doc.clientMsgId === clientMsgId && doc.state !== 'deleting') out.push(toAttachment(doc));
      }
      return out;
    },
    async attachAttachments(conversationId, ids, clientMsgId, messageId) {
      await ready();
      for (const id of ids) {
        await records.updateOne({ _id: id, conversationId, state: 'claimed', clientMsgId }, { $set: { state: 'attached', messageId } });
      }
    },
    async markMessageAttachmentsDeleting(conversationId, messageId) {
      await ready();
      await records.updateMany({ conversationId, messageId, state: 'attached' }, { $set: { state: 'deleting' } });
      const docs = await records.find({ conversationId, messageId, state: 'deleting' }).sort({ createdAt: 1, _id: 1 }).toArray();
      return docs.map(toAttachment);
    },
    async markAttachmentDeleting(id, seen) {
      await ready();
      const { matchedCount } = await records.updateOne({ _id: id, state: seen.state, claimedAt: seen.claimedAt }, { $set: { state: 'deleting' } });
      return matchedCount === 1;
    },
    async listAttachmentsToSweep({ pendingBefore, claimedBefore, limit }) {
      await ready();
      if (limit <= 0) return [];
      const docs = await records
        .find({
          $or: [
            { state: 'deleting' },
            { state: 'pending', createdAt: { $lt: pendingBefore } },
            { state: 'claimed', claimedAt: { $lt: claimedBefore } },
          ],
        })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toAttachment);
    },
    async removeAttachment(id) {
      await ready();
      await records.deleteOne({ _id: id });
    },
    async attachmentBytes(uploaderId) {
      await ready();
      // Summed here rather than by an aggregation: the records of one uploader are few, and
      // every MongoDB-wire server answers a find.
      const docs = await records.find({ uploaderId, state: { $ne: 'deleting' } }, { projection: { size: 1 } }).toArray();
      return docs.reduce((sum, doc) => sum + doc.size, 0);
    },
  };
}
