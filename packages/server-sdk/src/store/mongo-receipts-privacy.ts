import type { Collection, Db, WriteConcernSettings } from 'mongodb';
import type { ChatStore, StoredDeviceWatermarks, StoredUserSettings } from './types.js';
import { DEFAULT_USER_SETTINGS } from './types.js';
import { clampWatermarks, isNotifyLevel } from './store-helpers.js';
import { isDuplicateKeyError, memberKey, toMember, type MemberDoc } from './mongo-documents.js';

/** A device's watermarks as stored: the contract's shape plus its key. */
export interface DeviceWatermarksDoc extends StoredDeviceWatermarks {
  /** `${conversationId}\n${userId}\n${deviceId}`. */
  _id: string;
}

export interface UserSettingsDoc extends Omit<StoredUserSettings, 'notify'> {
  /** The user id. */
  _id: string;
  /** Format 6: absent on documents of earlier releases ('all'). */
  notify?: StoredUserSettings['notify'];
}

type ReceiptsPrivacyMethods = Pick<
  ChatStore,
  'updateDeviceWatermarks' | 'filterCoMembers' | 'getUserSettings' | 'updateUserSettings'
>;

export interface MongoReceiptsPrivacyOptions {
  db: Db;
  prefix: string;
  writeConcern: WriteConcernSettings;
  members: Collection<MemberDoc>;
  /** The log's real highest seq (the conversation's lastSeq is only a hint). */
  highestSeq: (conversationId: string) => Promise<number>;
}

const deviceKey = (conversationId: string, userId: string, deviceId: string) => `${conversationId}\n${userId}\n${deviceId}`;

function toSettings(doc: UserSettingsDoc | null): StoredUserSettings {
  if (!doc) return { ...DEFAULT_USER_SETTINGS };
  // Format 6 added `notify`: a document of an earlier release has none ('all').
  const notify = isNotifyLevel(doc.notify) ? doc.notify : DEFAULT_USER_SETTINGS.notify;
  return { readReceipts: doc.readReceipts, presence: doc.presence, lastSeen: doc.lastSeen, notify };
}

/**
 * The MongoDB side of receipts and privacy: per-device watermarks and user settings. Without
 * transactions, the member's watermarks move first and the device's second, so a crash between
 * the two can leave a device behind its member but never ahead of it.
 */
export function createMongoReceiptsPrivacy(options: MongoReceiptsPrivacyOptions): ReceiptsPrivacyMethods & {
  devices: Collection<DeviceWatermarksDoc>;
  ensureIndexes(): Promise<void>;
} {
  const { members, highestSeq } = options;
  const collectionOptions = { writeConcern: options.writeConcern, readPreference: 'primary' as const };
  const devices = options.db.collection<DeviceWatermarksDoc>(`${options.prefix}device_watermarks`, collectionOptions);
  const settings = options.db.collection<UserSettingsDoc>(`${options.prefix}user_settings`, collectionOptions);

  async function raiseDevice(key: string, marks: Omit<DeviceWatermarksDoc, '_id' | 'updatedAt'>, ts: number) {
    const { conversationId, userId, deviceId, deliveredSeq, readSeq } = marks;
    for (let attempt = 1; ; attempt++) {
      try {
        return await devices.findOneAndUpdate(
          { _id: key, conversationId },
          { $max: { deliveredSeq, readSeq }, $setOnInsert: { userId, deviceId, updatedAt: ts } },
          { upsert: true, returnDocument: 'before' },
        );
      } catch (error) {
        // Two first reports of one device raced to insert it: the loser updates the winner's.
        if (!isDuplicateKeyError(error) || attempt > 1) throw error;
      }
    }
  }

  return {
    devices,

    async ensureIndexes() {
      await devices.createIndex({ conversationId: 1, userId: 1 }, { name: 'parley_device_watermarks_member' });
    },

    async updateDeviceWatermarks(conversationId, userId, deviceId, update, ts) {
      const { deliveredSeq, readSeq } = clampWatermarks(update, await highestSeq(conversationId));
      const member = await members.findOneAndUpdate(
        { _id: memberKey(conversationId, userId), conversationId },
        { $max: { readSeq, deliveredSeq } },
        { returnDocument: 'after' },
      );
      if (!member) return null;
      const key = deviceKey(conversationId, userId, deviceId);
      const before = await raiseDevice(key, { conversationId, userId, deviceId, deliveredSeq, readSeq }, ts);
      const after = {
        deliveredSeq: Math.max(before?.deliveredSeq ?? 0, deliveredSeq),
        readSeq: Math.max(before?.readSeq ?? 0, readSeq),
      };
      const moved = !before || after.deliveredSeq !== before.deliveredSeq || after.readSeq !== before.readSeq;
      if (before && moved) await devices.updateOne({ _id: key, conversationId }, { $max: { updatedAt: ts } });
      // A removal that ran meanwhile already dropped the member's devices: do not bring one back.
      if (!(await members.findOne({ _id: member._id, conversationId }, { projection: { _id: 1 } }))) {
        await devices.deleteOne({ _id: key, conversationId });
        return null;
      }
      const updatedAt = before && !moved ? before.updatedAt : Math.max(before?.updatedAt ?? 0, ts);
      return { member: toMember(member), device: { conversationId, userId, deviceId, ...after, updatedAt } };
    },

    async filterCoMembers(userId, candidates) {
      const unique = [...new Set(candidates)];
      if (unique.length === 0) return [];
      const mine = await members.find({ userId }, { projection: { conversationId: 1 } }).toArray();
      if (mine.length === 0) return [];
      const shared = await members.distinct('userId', {
        conversationId: { $in: mine.map((m) => m.conversationId) },
        userId: { $in: unique },
      });
      const found = new Set<unknown>(shared);
      return unique.filter((id) => found.has(id));
    },

    async getUserSettings(userIds) {
      const unique = [...new Set(userIds)];
      const docs = unique.length > 0 ? await settings.find({ _id: { $in: unique } }).toArray() : [];
      const byId = new Map(docs.map((doc) => [doc._id, doc]));
      return new Map(unique.map((id) => [id, toSettings(byId.get(id) ?? null)]));
    },

    async updateUserSettings(userId, patch) {
      const set: Record<string, unknown> = {};
      const defaults: Record<string, unknown> = {};
      for (const key of Object.keys(DEFAULT_USER_SETTINGS) as Array<keyof StoredUserSettings>) {
        // Only booleans (and a notify level for `notify`) change a setting, as in every store; a
        // field is either set or defaulted, never both (MongoDB refuses one path in $set and
        // $setOnInsert).
        const value = patch[key];
        if (key === 'notify' ? isNotifyLevel(value) : typeof value === 'boolean') set[key] = value;
        else defaults[key] = DEFAULT_USER_SETTINGS[key];
      }
      // Empty operators are refused by MongoDB before 5.0: send only the ones with fields.
      const change = {
        ...(Object.keys(set).length > 0 ? { $set: set } : {}),
        ...(Object.keys(defaults).length > 0 ? { $setOnInsert: defaults } : {}),
      };
      const doc = await settings.findOneAndUpdate({ _id: userId }, change, { upsert: true, returnDocument: 'after' });
      return toSettings(doc);
    },
  };
}
