import type { Db, WriteConcernSettings } from 'mongodb';
import { createJsonLogger, type Logger } from '../logger.js';
import { acceptNewerSchema } from './schema-compat.js';
import { isDuplicateKeyError } from './mongo-documents.js';

/**
 * The format of Parley's MongoDB documents and indexes this build writes. Raise it with every
 * change to them; raise `MONGO_READABLE_FROM` to the same value only when older builds cannot
 * live with the change (a renamed field, a changed meaning), never for additions they ignore.
 */
// 2: message content: `customJson` on message documents and the parley_events_mentions index
// (additive: format 1 builds ignore both).
// 3: the message model: `lane` on event documents (backfilled as 0, which every earlier event
// is), the parley_events_lane and parley_events_quotes indexes (additive: older builds ignore
// them, and documents they insert without `lane` read as lane 0).
// 4: the webhook delivery queue: the parley_webhook_deliveries and parley_webhook_claims
// collections and their indexes (additive: older builds never read them, and send no webhooks).
// Also protocol 6 (the same release): group details on conversation documents (`image`,
// `description`, `customJson`, `slowModeMs`) and `mutedUntil` on members, absent until set (an
// older document reads as null; older builds ignore them); `admin` as a member's `role` (older
// builds treat an admin as a member who does not own the group); the parley_blocks, parley_bans and
// parley_reports collections and their indexes. Nothing to backfill.
// 5 (protocol 7): the parley_attachments collection (upload records) and its indexes (additive:
// older builds never read it, and issue no uploads); `appendChange`'s write-ahead record on
// conversations (`changeSeq`, `pendingChanges`, the sparse parley_conversations_pending index)
// and `roleChange` on members (additive: older builds ignore them, and their own role writes
// leave `roleChange` as it was). Nothing to backfill.
// 6: notifications: the parley_notifications, parley_notification_items,
// parley_notification_claims and parley_push_subscriptions collections and their indexes, `notify`
// on member documents (absent: the user's default) and on user settings (absent: 'all'). Additive:
// older builds never read the collections, ignore the fields, and never unset them (their settings
// update names its fields). Nothing to backfill.
// 7: message changes behind `appendChange`'s write-ahead record: `pendingMessageChanges` on
// conversations (with `eraseReplaced` on an edit's record) and the sparse
// parley_conversations_pending_messages index. Additive: older builds never read the field (a
// record in `pendingChanges` they would finish without its erasure), and their edits and deletes
// append as before. Nothing to backfill.
export const MONGO_FORMAT_VERSION = 7;
export const MONGO_READABLE_FROM = 1;

interface MetaDoc {
  _id: 'format';
  formatVersion: number;
  /** The oldest format version that can still read and write this database. */
  readableFrom: number;
}

/**
 * Checks (and on a new database records) the format of a Parley database in the `<prefix>meta`
 * collection, with the same rule as SQLite: a newer database opens when it says this build can
 * still use it (one warning), and is refused with a `StoreVersionError` otherwise. An older one
 * is raised to this build's format with `$max`, so that concurrent nodes never lower it.
 */
export async function checkMongoFormat(
  db: Db,
  prefix: string,
  writeConcern: WriteConcernSettings,
  logger: Pick<Logger, 'warn'> = createJsonLogger({ level: 'warn' }),
  upgrade: (from: number) => Promise<void> = upgradeMongoFormat(db, prefix, writeConcern),
): Promise<void> {
  const meta = db.collection<MetaDoc>(`${prefix}meta`, { writeConcern, readPreference: 'primary' });
  let doc = await meta.findOne({ _id: 'format' });
  if (!doc) {
    // A new database, or one of a release before parley_meta (its events may need the upgrade).
    await upgrade(0);
    try {
      await meta.insertOne({ _id: 'format', formatVersion: MONGO_FORMAT_VERSION, readableFrom: MONGO_READABLE_FROM });
      return;
    } catch (error) {
      // Another node recorded it first: check what it wrote.
      if (!isDuplicateKeyError(error)) throw error;
      doc = await meta.findOne({ _id: 'format' });
      if (!doc) throw error;
    }
  }
  const found = typeof doc.formatVersion === 'number' ? doc.formatVersion : 0;
  if (found > MONGO_FORMAT_VERSION) {
    acceptNewerSchema('mongodb', found, typeof doc.readableFrom === 'number' ? doc.readableFrom : null, MONGO_FORMAT_VERSION, logger);
    return;
  }
  if (found < MONGO_FORMAT_VERSION || doc.readableFrom < MONGO_READABLE_FROM) {
    // The documents first, the mark after: a crash in between runs the (idempotent) upgrade again.
    if (found < MONGO_FORMAT_VERSION) await upgrade(found);
    await meta.updateOne({ _id: 'format' }, { $max: { formatVersion: MONGO_FORMAT_VERSION, readableFrom: MONGO_READABLE_FROM } });
  }
}

/**
 * Brings documents of an older format to this one. Idempotent and without transactions: several
 * nodes starting at once may all run it. Format 3: events without `lane` get lane 0 (no release
 * before it wrote threads or changes). Documents a protocol-4 node inserts later lack it again;
 * reads treat a missing lane as 0, so this is for the index, not for correctness.
 */
export function upgradeMongoFormat(db: Db, prefix: string, writeConcern: WriteConcernSettings) {
  return async (from: number): Promise<void> => {
    if (from >= 3) return;
    const events = db.collection<{ lane?: number }>(`${prefix}events`, { writeConcern });
    await events.updateMany({ lane: { $exists: false } }, { $set: { lane: 0 } });
  };
}
