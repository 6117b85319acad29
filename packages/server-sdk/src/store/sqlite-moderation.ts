import type { Database } from 'better-sqlite3';
import type { ModerationStore, StoredReport } from './types.js';
import { blocksAfter } from './moderation-helpers.js';

interface ReportRow {
  id: string;
  conversation_id: string;
  message_id: string;
  message_seq: number;
  reporter_id: string;
  reason: string;
  created_at: number;
  updated_at: number;
}

const toReport = (row: ReportRow): StoredReport => ({
  id: row.id,
  conversationId: row.conversation_id,
  messageId: row.message_id,
  messageSeq: row.message_seq,
  reporterId: row.reporter_id,
  reason: row.reason,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** A JSON array parameter: lists of ids go in as one value and are read with `json_each`. */
const json = (ids: readonly string[]) => JSON.stringify([...new Set(ids)]);

/** Of `ids`, those in `found`, deduplicated, in the order of `ids`. */
const keepFound = (ids: readonly string[], found: readonly string[]) => {
  const set = new Set(found);
  return [...new Set(ids)].filter((id) => set.has(id));
};

/**
 * The SQLite store's blocks, bans and reports (schema 5: `parley_blocks`, `parley_bans`,
 * `parley_reports`). Every write is one IMMEDIATE transaction, so a block list's limit holds with
 * several processes on one file, and a refused change (LIMIT_EXCEEDED) rolls back whole.
 */
export function createSqliteModeration(db: Database): ModerationStore {
  const sql = {
    // rowid order is insertion order: a new row always gets a rowid above every row there is.
    blocks: db.prepare<[string], { blocked_id: string }>('SELECT blocked_id FROM parley_blocks WHERE user_id = ? ORDER BY rowid'),
    block: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO parley_blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?)'),
    unblock: db.prepare<[string, string]>('DELETE FROM parley_blocks WHERE user_id = ? AND blocked_id = ?'),
    // Both directions, each from its own index (the primary key, and parley_blocks_blocked).
    between: db.prepare<[string, string, string, string], { id: string }>(
      `SELECT blocked_id AS id FROM parley_blocks WHERE user_id = ? AND blocked_id IN (SELECT value FROM json_each(?))
       UNION SELECT user_id AS id FROM parley_blocks WHERE blocked_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
    ),
    bans: db.prepare<[string], { user_id: string }>('SELECT user_id FROM parley_bans WHERE conversation_id = ? ORDER BY rowid'),
    ban: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO parley_bans (conversation_id, user_id, created_at) VALUES (?, ?, ?)'),
    unban: db.prepare<[string, string]>('DELETE FROM parley_bans WHERE conversation_id = ? AND user_id = ?'),
    banned: db.prepare<[string, string], { user_id: string }>(
      'SELECT user_id FROM parley_bans WHERE conversation_id = ? AND user_id IN (SELECT value FROM json_each(?))',
    ),
    reportByKey: db.prepare<[string, string, string], ReportRow>(
      'SELECT * FROM parley_reports WHERE conversation_id = ? AND message_id = ? AND reporter_id = ?',
    ),
    reportById: db.prepare<[string], ReportRow>('SELECT * FROM parley_reports WHERE id = ?'),
    insertReport: db.prepare(
      `INSERT INTO parley_reports (id, conversation_id, message_id, message_seq, reporter_id, reason, created_at, updated_at)
       VALUES (@id, @conversationId, @messageId, @messageSeq, @reporterId, @reason, @createdAt, @updatedAt)`,
    ),
    repeatReport: db.prepare<[string, number, string], ReportRow>('UPDATE parley_reports SET reason = ?, updated_at = ? WHERE id = ? RETURNING *'),
    // Strictly after the cursor's (updated_at, id) in the order newest first, then id.
    reports: db.prepare<[number, number, string, number], ReportRow>(
      `SELECT * FROM parley_reports WHERE updated_at < ? OR (updated_at = ? AND id > ?) ORDER BY updated_at DESC, id LIMIT ?`,
    ),
    reportsOf: db.prepare<[string, number, number, string, number], ReportRow>(
      `SELECT * FROM parley_reports WHERE conversation_id = ? AND (updated_at < ? OR (updated_at = ? AND id > ?))
       ORDER BY updated_at DESC, id LIMIT ?`,
    ),
  };

  const tx = {
    updateBlocks: db.transaction((userId: string, change: { block?: readonly string[]; unblock?: readonly string[] }, maxBlocks: number, ts: number) => {
      const { list, added, removed } = blocksAfter(sql.blocks.all(userId).map((r) => r.blocked_id), change, maxBlocks);
      for (const id of added) sql.block.run(userId, id, ts);
      for (const id of removed) sql.unblock.run(userId, id);
      return list;
    }),
    addBans: db.transaction((conversationId: string, userIds: readonly string[], ts: number) => {
      for (const userId of new Set(userIds)) sql.ban.run(conversationId, userId, ts);
    }),
    removeBans: db.transaction((conversationId: string, userIds: readonly string[]) => {
      for (const userId of new Set(userIds)) sql.unban.run(conversationId, userId);
    }),
    saveReport: db.transaction((report: StoredReport) => {
      const existing = sql.reportByKey.get(report.conversationId, report.messageId, report.reporterId);
      if (existing) return { report: toReport(sql.repeatReport.get(report.reason, report.updatedAt, existing.id)!), created: false };
      sql.insertReport.run(report);
      return { report: toReport(sql.reportById.get(report.id)!), created: true };
    }),
  };

  return {
    async listBlocks(userId) {
      return sql.blocks.all(userId).map((r) => r.blocked_id);
    },
    async updateBlocks(userId, change, maxBlocks, ts) {
      return tx.updateBlocks.immediate(userId, change, maxBlocks, ts);
    },
    async blockedBetween(userId, others) {
      if (others.length === 0) return [];
      const list = json(others);
      return keepFound(others, sql.between.all(userId, list, userId, list).map((r) => r.id));
    },
    async listBans(conversationId) {
      return sql.bans.all(conversationId).map((r) => r.user_id);
    },
    async addBans(conversationId, userIds, ts) {
      tx.addBans.immediate(conversationId, userIds, ts);
    },
    async removeBans(conversationId, userIds) {
      tx.removeBans.immediate(conversationId, userIds);
    },
    async filterBanned(conversationId, userIds) {
      if (userIds.length === 0) return [];
      return keepFound(userIds, sql.banned.all(conversationId, json(userIds)).map((r) => r.user_id));
    },
    async saveReport(report) {
      return tx.saveReport.immediate(report);
    },
    async listReports({ conversationId, after, limit }) {
      if (limit <= 0) return [];
      let position = { updatedAt: Number.MAX_SAFE_INTEGER, id: '' };
      if (after !== undefined) {
        const cursor = sql.reportById.get(after);
        // A cursor that no longer exists gives an empty page, as listDeliveries does.
        if (!cursor) return [];
        position = { updatedAt: cursor.updated_at, id: cursor.id };
      }
      const { updatedAt, id } = position;
      const rows = conversationId === undefined
        ? sql.reports.all(updatedAt, updatedAt, id, limit)
        : sql.reportsOf.all(conversationId, updatedAt, updatedAt, id, limit);
      return rows.map(toReport);
    },
  };
}
