import { createGroupCommit } from './sqlite-group-commit.js';
import type { Database } from 'better-sqlite3';
import type { ChatStore, StoredDeviceWatermarks, StoredUserSettings } from './types.js';
import { DEFAULT_USER_SETTINGS } from './types.js';
import { advanceWatermarks, isNotifyLevel, patchSettings } from './store-helpers.js';
import { toMember, type MemberRow } from './sqlite-rows.js';

interface DeviceRow {
  conversation_id: string;
  user_id: string;
  device_id: string;
  delivered_seq: number;
  read_seq: number;
  updated_at: number;
}

interface SettingsRow {
  read_receipts: number;
  presence: number;
  last_seen: number;
  /** Schema 7; null ('all') on rows of earlier releases. */
  notify?: string | null;
}

function toDevice(row: DeviceRow): StoredDeviceWatermarks {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    deviceId: row.device_id,
    deliveredSeq: row.delivered_seq,
    readSeq: row.read_seq,
    updatedAt: row.updated_at,
  };
}

type ReceiptsPrivacyMethods = Pick<
  ChatStore,
  'updateDeviceWatermarks' | 'filterCoMembers' | 'getUserSettings' | 'updateUserSettings'
>;

/**
 * The SQLite side of receipts and privacy (schema version 2): per-device watermarks and user
 * settings. Device and member watermarks move in one IMMEDIATE transaction, so the member's are
 * never below a device's, also with several processes on one file.
 */
export function createSqliteReceiptsPrivacy(db: Database): ReceiptsPrivacyMethods & { forgetDevices(conversationId: string, userId: string): void } {
  const sql = {
    lastSeq: db.prepare<[string], { last_seq: number }>('SELECT last_seq FROM parley_conversations WHERE id = ?'),
    member: db.prepare<[string, string], MemberRow>('SELECT * FROM parley_members WHERE conversation_id = ? AND user_id = ?'),
    setMember: db.prepare<[number, number, string, string]>(
      'UPDATE parley_members SET delivered_seq = ?, read_seq = ? WHERE conversation_id = ? AND user_id = ?',
    ),
    device: db.prepare<[string, string, string], DeviceRow>(
      'SELECT * FROM parley_device_watermarks WHERE conversation_id = ? AND user_id = ? AND device_id = ?',
    ),
    putDevice: db.prepare(
      `INSERT INTO parley_device_watermarks (conversation_id, user_id, device_id, delivered_seq, read_seq, updated_at)
       VALUES (@conversation_id, @user_id, @device_id, @delivered_seq, @read_seq, @updated_at)
       ON CONFLICT (conversation_id, user_id, device_id) DO UPDATE SET
         delivered_seq = excluded.delivered_seq, read_seq = excluded.read_seq, updated_at = excluded.updated_at`,
    ),
    forget: db.prepare<[string, string]>('DELETE FROM parley_device_watermarks WHERE conversation_id = ? AND user_id = ?'),
    settings: db.prepare<[string], SettingsRow>('SELECT * FROM parley_user_settings WHERE user_id = ?'),
    putSettings: db.prepare<[string, number, number, number, string]>(
      `INSERT INTO parley_user_settings (user_id, read_receipts, presence, last_seen, notify) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET read_receipts = excluded.read_receipts, presence = excluded.presence, last_seen = excluded.last_seen,
         notify = excluded.notify`,
    ),
  };

  const readSettings = (userId: string): StoredUserSettings => {
    const row = sql.settings.get(userId);
    if (!row) return { ...DEFAULT_USER_SETTINGS };
    const notify = isNotifyLevel(row.notify) ? row.notify : DEFAULT_USER_SETTINGS.notify;
    return { readReceipts: row.read_receipts === 1, presence: row.presence === 1, lastSeen: row.last_seen === 1, notify };
  };

  const tx = {
    device: db.transaction(
      (conversationId: string, userId: string, deviceId: string, update: { deliveredSeq?: number; readSeq?: number }, ts: number) => {
        const conversation = sql.lastSeq.get(conversationId);
        const memberRow = sql.member.get(conversationId, userId);
        if (!conversation || !memberRow) return null;
        const existing = sql.device.get(conversationId, userId, deviceId);
        const before = existing
          ? toDevice(existing)
          : { conversationId, userId, deviceId, deliveredSeq: 0, readSeq: 0, updatedAt: ts };
        const marks = advanceWatermarks(before, update, conversation.last_seq);
        const moved = marks.deliveredSeq !== before.deliveredSeq || marks.readSeq !== before.readSeq;
        const device: StoredDeviceWatermarks = { ...before, ...marks, updatedAt: moved || !existing ? ts : before.updatedAt };
        if (moved || !existing) {
          sql.putDevice.run({
            conversation_id: conversationId,
            user_id: userId,
            device_id: deviceId,
            delivered_seq: device.deliveredSeq,
            read_seq: device.readSeq,
            updated_at: device.updatedAt,
          });
        }
        const member = toMember(memberRow);
        const next = advanceWatermarks(member, marks, conversation.last_seq);
        if (next.deliveredSeq !== member.deliveredSeq || next.readSeq !== member.readSeq) {
          sql.setMember.run(next.deliveredSeq, next.readSeq, conversationId, userId);
        }
        return { member: { ...member, ...next }, device };
      },
    ),
    settings: db.transaction((userId: string, patch: Partial<StoredUserSettings>) => {
      const next = patchSettings(readSettings(userId), patch);
      sql.putSettings.run(userId, Number(next.readReceipts), Number(next.presence), Number(next.lastSeen), next.notify);
      return next;
    }),
  };

  // Receipts that arrive in one turn of the event loop share one transaction and one fsync, as
  // appends do (sqlite-group-commit.ts): a thousand devices reconnecting at once (W4 in bench/)
  // wait for one COMMIT per turn, not one each. Each still resolves only once it is durable.
  const groupedDevice = createGroupCommit<Parameters<typeof tx.device>, ReturnType<typeof tx.device>>(db, (args) => tx.device(...args));

  return {
    forgetDevices: (conversationId, userId) => void sql.forget.run(conversationId, userId),
    async updateDeviceWatermarks(conversationId, userId, deviceId, update, ts) {
      return groupedDevice([conversationId, userId, deviceId, update, ts]);
    },
    async filterCoMembers(userId, candidates) {
      const unique = [...new Set(candidates)];
      if (unique.length === 0) return [];
      const rows = db
        .prepare<string[], { user_id: string }>(
          `SELECT DISTINCT theirs.user_id FROM parley_members mine
           JOIN parley_members theirs ON theirs.conversation_id = mine.conversation_id
           WHERE mine.user_id = ? AND theirs.user_id IN (${unique.map(() => '?').join(', ')})`,
        )
        .all(userId, ...unique);
      const shared = new Set(rows.map((row) => row.user_id));
      return unique.filter((id) => shared.has(id));
    },
    async getUserSettings(userIds) {
      return new Map(userIds.map((id) => [id, readSettings(id)]));
    },
    async updateUserSettings(userId, patch) {
      return tx.settings.immediate(userId, patch);
    },
  };
}
