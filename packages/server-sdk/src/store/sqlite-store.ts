import { createSqliteSearchIndex } from './sqlite-search.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { requirePeer } from '../optional-peer.js';
import type { Logger } from '../logger.js';
import type { AppendInput, AppendResult, ChatStore, CreateConversationInput, MemberRole } from './types.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { appendedEvent, createdEventInput, mentionedReaders, nextEventId } from './store-helpers.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { createSqliteLanes } from './sqlite-lanes.js';
import { createSqliteReactions } from './sqlite-reactions.js';
import { createSqliteReceiptsPrivacy } from './sqlite-receipts-privacy.js';
import { createSqliteWebhookQueue } from './sqlite-webhooks.js';
import { createSqliteModeration } from './sqlite-moderation.js';
import { createSqliteAttachments } from './sqlite-attachments.js';
import { createSqliteNotifications } from './sqlite-notifications.js';
import { createSqliteDetails } from './sqlite-details.js';
import {
  eventParams,
  toConversation,
  toEvent,
  toMember,
  toMembership,
  type ConversationRow,
  type EventRow,
  type MemberRow,
  type MembershipRow,
} from './sqlite-rows.js';

export interface SqliteStoreOptions {
  /**
   * `FULL` (default) syncs the WAL on every commit: an ACKed message survives a power cut.
   * `NORMAL` syncs at checkpoints only: still safe from corruption and process crashes, several
   * times faster, but a power cut or OS crash may lose the last commits, ACKed ones included.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a write waits for another process's write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Where the store reports what an operator should know (a file from a newer Parley). Default: JSON lines on stderr, warnings and up. */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Where the store keeps its data: a file it opens (and closes; its directory is created if
 * missing), or your open database.
 */
export type SqliteStoreTarget = { filename: string } | { database: Database };

/**
 * A durable store in one SQLite file (better-sqlite3 12), the reference server's default. WAL
 * mode; every write is one IMMEDIATE transaction, so several processes may share the file and
 * seqs stay contiguous. Given `{ filename }` it opens the file and `close()` closes it; given
 * `{ database }` it uses your connection (setting WAL, busy_timeout and synchronous on it) and
 * leaves it open.
 *
 * @example
 * import { createSqliteStore } from '@parley/server-sdk/sqlite';
 *
 * const store = createSqliteStore({ filename: './data/parley.sqlite' }, { synchronous: 'FULL' });
 * const chat = createChatServer({ server, store, authenticate });
 */
export function createSqliteStore(target: SqliteStoreTarget, options: SqliteStoreOptions = {}): ChatStore {
  const ownsDatabase = 'filename' in target;
  const db = ownsDatabase ? openFile(target.filename) : target.database;
  // busy_timeout first: switching to WAL takes a lock another process may hold.
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
  migrateSqlite(db, options.logger ? { logger: options.logger } : {});
  const receiptsPrivacy = createSqliteReceiptsPrivacy(db);
  const lanes = createSqliteLanes(db);
  const reactions = createSqliteReactions(db);
  const webhooks = createSqliteWebhookQueue(db);
  const moderation = createSqliteModeration(db);
  const attachments = createSqliteAttachments(db);
  const notifications = createSqliteNotifications(db);
  const details = createSqliteDetails(db, appendInTx, lanes.eraseInTx);

  const sql = {
    conversation: db.prepare<[string], ConversationRow>('SELECT * FROM parley_conversations WHERE id = ?'),
    direct: db.prepare<[string], ConversationRow>('SELECT * FROM parley_conversations WHERE direct_key = ?'),
    insertConversation: db.prepare(
      `INSERT INTO parley_conversations (id, kind, title, direct_key, created_by, created_at, last_seq, last_activity_at, member_count)
       VALUES (@id, @kind, @title, @directKey, @createdBy, @ts, 0, @ts, 0)`,
    ),
    advance: db.prepare<[number, number, string]>(
      'UPDATE parley_conversations SET last_seq = ?, last_activity_at = MAX(last_activity_at, ?) WHERE id = ?',
    ),
    recount: db.prepare<[string, string]>(
      'UPDATE parley_conversations SET member_count = (SELECT COUNT(*) FROM parley_members WHERE conversation_id = ?) WHERE id = ?',
    ),
    member: db.prepare<[string, string], MemberRow>('SELECT * FROM parley_members WHERE conversation_id = ? AND user_id = ?'),
    members: db.prepare<[string], MemberRow>('SELECT * FROM parley_members WHERE conversation_id = ?'),
    membersWithRole: db.prepare<[string, MemberRole], MemberRow>('SELECT * FROM parley_members WHERE conversation_id = ? AND role = ?'),
    // The longest-standing admin, else member, becomes owner when none is left (`heirOf`'s order).
    passOwnership: db.prepare<[string, string, string]>(
      `UPDATE parley_members SET role = 'owner' WHERE conversation_id = ? AND user_id = (
         SELECT user_id FROM parley_members WHERE conversation_id = ? ORDER BY role = 'admin' DESC, joined_at, user_id LIMIT 1)
       AND NOT EXISTS (SELECT 1 FROM parley_members WHERE conversation_id = ? AND role = 'owner')`,
    ),
    memberships: db.prepare<[string], MembershipRow>(
      `SELECT c.*, m.role AS m_role, m.joined_at AS m_joined_at, m.delivered_seq AS m_delivered_seq, m.read_seq AS m_read_seq,
              m.muted_until AS m_muted_until, m.notify AS m_notify
       FROM parley_members m JOIN parley_conversations c ON c.id = m.conversation_id
       WHERE m.user_id = ? ORDER BY c.last_activity_at DESC, c.id`,
    ),
    // A page of the same list: strictly after (last_activity_at, id) in that order.
    membershipPage: db.prepare<[string, number, number, string, number], MembershipRow>(
      `SELECT c.*, m.role AS m_role, m.joined_at AS m_joined_at, m.delivered_seq AS m_delivered_seq, m.read_seq AS m_read_seq,
              m.muted_until AS m_muted_until, m.notify AS m_notify
       FROM parley_members m JOIN parley_conversations c ON c.id = m.conversation_id
       WHERE m.user_id = ? AND (c.last_activity_at < ? OR (c.last_activity_at = ? AND c.id > ?))
       ORDER BY c.last_activity_at DESC, c.id LIMIT ?`,
    ),
    join: db.prepare<[string, string, MemberRole, number]>(
      'INSERT OR IGNORE INTO parley_members (conversation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)',
    ),
    leave: db.prepare<[string, string]>('DELETE FROM parley_members WHERE conversation_id = ? AND user_id = ?'),
    dedup: db.prepare<[string, string, string], EventRow>(
      'SELECT * FROM parley_events WHERE conversation_id = ? AND sender_id = ? AND client_msg_id = ?',
    ),
    insertEvent: db.prepare(
      `INSERT INTO parley_events (conversation_id, seq, id, sender_id, client_msg_id, ts, kind, data, lane, quote_seq)
       VALUES (@conversation_id, @seq, @id, @sender_id, @client_msg_id, @ts, @kind, @data, @lane, @quote_seq)`,
    ),
    // events.id is UNIQUE: this is one lookup on its index.
    byId: db.prepare<[string, string], EventRow>('SELECT * FROM parley_events WHERE id = ? AND conversation_id = ?'),
    insertMention: db.prepare<[string, string, number]>('INSERT INTO parley_mentions (conversation_id, user_id, seq) VALUES (?, ?, ?)'),
    // A range of parley_mentions' primary key: the rows are written for other members only.
    unreadMentions: db.prepare<[string, string, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM parley_mentions WHERE conversation_id = ? AND user_id = ? AND seq > ?',
    ),
    after: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM parley_events WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    before: db.prepare<[string, number, number], EventRow>(
      'SELECT * FROM parley_events WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    ),
    unread: db.prepare<[string, number, string], { n: number }>(
      `SELECT COUNT(*) AS n FROM parley_events
       WHERE conversation_id = ? AND seq > ? AND kind = 'message' AND sender_id <> ?`,
    ),
  };

  // Callers run these inside a transaction; seq = last_seq + 1 is safe because the IMMEDIATE
  // transaction holds the file's write lock from its first statement, in every process.
  function appendInTx(input: AppendInput): AppendResult {
    const existing = sql.dedup.get(input.conversationId, input.senderId, input.clientMsgId);
    if (existing) return { event: toEvent(existing), duplicate: true };
    const conversation = sql.conversation.get(input.conversationId);
    if (!conversation) throw new Error(`conversation ${input.conversationId} does not exist`);
    const event = appendedEvent(input, nextEventId(), conversation.last_seq + 1);
    sql.insertEvent.run(eventParams(event, input.clientMsgId));
    for (const userId of mentionedReaders(event)) sql.insertMention.run(event.conversationId, userId, event.seq);
    reactions.record(event);
    sql.advance.run(event.seq, event.ts, input.conversationId);
    return { event, duplicate: false };
  }

  function joinInTx(conversationId: string, userIds: string[], role: MemberRole, ts: number): string[] {
    const added = [...new Set(userIds)].filter((userId) => sql.join.run(conversationId, userId, role, ts).changes === 1);
    sql.recount.run(conversationId, conversationId);
    return added;
  }

  const groupAppend = createGroupCommit(db, appendInTx);

  const tx = {
    create: db.transaction((input: CreateConversationInput) => {
      const existing = input.directKey ? sql.direct.get(input.directKey) : undefined;
      if (existing) return { conversation: toConversation(existing), created: false };
      if (sql.conversation.get(input.id)) throw new Error(`conversation ${input.id} already exists`);
      sql.insertConversation.run({ ...input, directKey: input.directKey });
      for (const userId of new Set(input.members)) {
        sql.join.run(input.id, userId, userId === input.createdBy ? 'owner' : 'member', input.ts);
      }
      sql.recount.run(input.id, input.id);
      appendInTx(createdEventInput(input));
      return { conversation: toConversation(sql.conversation.get(input.id)!), created: true };
    }),
    add: db.transaction((conversationId: string, userIds: string[], role: MemberRole, ts: number) =>
      sql.conversation.get(conversationId) ? joinInTx(conversationId, userIds, role, ts) : [],
    ),
    remove: db.transaction((conversationId: string, userIds: string[]) => {
      const removed = [...new Set(userIds)].filter((userId) => sql.leave.run(conversationId, userId).changes === 1);
      for (const userId of removed) receiptsPrivacy.forgetDevices(conversationId, userId);
      if (removed.length) sql.recount.run(conversationId, conversationId);
      sql.passOwnership.run(conversationId, conversationId, conversationId);
      return removed;
    }),
  };

  let closed = false;
  // Message search in the same file (schema 8), fed by the server from the log.
  const searchIndex = createSqliteSearchIndex(db);
  return {
    ...webhooks,
    ...moderation,
    ...details,
    ...attachments,
    ...notifications,
    searchIndex,
    async createConversation(input) {
      return tx.create.immediate(input);
    },
    async getConversation(conversationId) {
      const row = sql.conversation.get(conversationId);
      return row ? toConversation(row) : null;
    },
    async getMember(conversationId, userId) {
      const row = sql.member.get(conversationId, userId);
      return row ? toMember(row) : null;
    },
    async listMembers(conversationId, filter) {
      const rows = filter?.role ? sql.membersWithRole.all(conversationId, filter.role) : sql.members.all(conversationId);
      return rows.map(toMember);
    },
    async listMemberships(userId, page) {
      if (!page) return sql.memberships.all(userId).map((row) => toMembership(row, userId));
      if (page.limit <= 0) return [];
      const { lastActivityAt, conversationId } = page.after ?? { lastActivityAt: Number.MAX_SAFE_INTEGER, conversationId: '' };
      return sql.membershipPage.all(userId, lastActivityAt, lastActivityAt, conversationId, page.limit).map((row) => toMembership(row, userId));
    },
    async addMembers(conversationId, userIds, role, ts) {
      return tx.add.immediate(conversationId, userIds, role, ts);
    },
    async removeMembers(conversationId, userIds) {
      return tx.remove.immediate(conversationId, userIds);
    },
    append: groupAppend,
    async findEvent(conversationId, senderId, clientMsgId) {
      const row = sql.dedup.get(conversationId, senderId, clientMsgId);
      return row ? toEvent(row) : null;
    },
    async getEvent(conversationId, eventId) {
      const row = sql.byId.get(eventId, conversationId);
      return row ? toEvent(row) : null;
    },
    async readAfter(conversationId, afterSeq, limit) {
      if (limit <= 0) return [];
      return sql.after.all(conversationId, afterSeq, limit).map(toEvent);
    },
    async readBefore(conversationId, beforeSeq, limit) {
      if (limit <= 0) return [];
      return sql.before.all(conversationId, beforeSeq, limit).map(toEvent).reverse();
    },
    readLane: lanes.readLane,
    readChanges: lanes.readChanges,
    readReactions: reactions.readReactions,
    countReplies: lanes.countReplies,
    eraseMessage: lanes.eraseMessage,
    updateDeviceWatermarks: receiptsPrivacy.updateDeviceWatermarks,
    filterCoMembers: receiptsPrivacy.filterCoMembers,
    getUserSettings: receiptsPrivacy.getUserSettings,
    updateUserSettings: receiptsPrivacy.updateUserSettings,
    async countUnread(conversationId, userId, afterSeq) {
      return sql.unread.get(conversationId, afterSeq, userId)?.n ?? 0;
    },
    async countUnreadMentions(conversationId, userId, afterSeq) {
      return sql.unreadMentions.get(conversationId, userId, afterSeq)?.n ?? 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (ownsDatabase) db.close();
    },
  };
}

function openFile(filename: string): Database {
  const Sqlite = requirePeer<typeof BetterSqlite3>('better-sqlite3', 'The SQLite store', '^12');
  // A new project has no data directory yet: make it, rather than fail on the first start.
  if (filename !== ':memory:' && !filename.startsWith('file:')) mkdirSync(dirname(filename), { recursive: true });
  return new Sqlite(filename);
}
