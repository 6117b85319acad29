import type { Database } from 'better-sqlite3';
import { createJsonLogger, type Logger } from '../logger.js';
import { acceptNewerSchema, readableFromOf } from './schema-compat.js';

/**
 * One schema step. `breaking` marks a step that an older build cannot live with (a dropped or
 * renamed column, a new NOT NULL column without a default, a changed meaning): running it raises
 * the file's `readable_from` to its version, so older nodes refuse the file instead of misusing it.
 * Additive steps (new tables, nullable or defaulted columns, indexes) leave older nodes working.
 */
export interface SqliteMigration {
  /**
   * Columns the step adds, each only when missing: SQLite has no `ADD COLUMN IF NOT EXISTS`, and
   * a step must be safe to run again (a version row written back by hand for a rollback).
   */
  columns?: readonly { table: string; name: string; definition: string }[];
  sql: string;
  breaking?: boolean;
}

/**
 * Parley's schema, one step per version. A released step is never edited: a change is a new step.
 * Tables carry a `parley_` prefix so that Parley can share a database file with an application.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  // 1: conversations, members, the event log.
  {
    sql: `
  CREATE TABLE parley_conversations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT,
    direct_key TEXT UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_activity_at INTEGER NOT NULL,
    member_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE parley_members (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX parley_members_by_user ON parley_members (user_id);
  CREATE TABLE parley_events (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    sender_id TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
  );
  CREATE UNIQUE INDEX parley_events_dedup ON parley_events (conversation_id, sender_id, client_msg_id);
  `,
  },
  // 2: per-device watermarks and user settings (receipts, privacy).
  {
    sql: `
  CREATE TABLE parley_device_watermarks (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, device_id)
  ) WITHOUT ROWID;
  CREATE TABLE parley_user_settings (
    user_id TEXT PRIMARY KEY,
    read_receipts INTEGER NOT NULL,
    presence INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  },
  // 3: message content. Who a message mentions, one row per (message, mentioned reader), written
  // in the append's transaction, so an unread-mention count is one range of this key and never a
  // scan of the log. Additive: older builds never read it. Nothing to backfill: no earlier
  // release stored mentions (and scanning the log here would hold the write lock that long).
  // IF NOT EXISTS: running the step again (a version row written back by hand) is harmless.
  {
    sql: `
  CREATE TABLE IF NOT EXISTS parley_mentions (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, seq)
  ) WITHOUT ROWID;
  `,
  },
  // 4: the message model (protocol 5). `lane` (`laneOf`) lets history read the main timeline or
  // one thread from an index, however many edits and reactions the log holds; it defaults to 0,
  // which is right for every existing row and for a protocol-4 node still inserting without it
  // (that release writes timeline events only). `quote_seq` is the seq a reply quotes, so that
  // erasing a message finds the replies whose preview shows it: backfilled here from the stored
  // replyTo (one scan, once), and filled by a trigger when a protocol-4 node inserts a reply
  // without it. Additive: older builds never read either column.
  // `parley_reactions` is the reaction index history pages read (`readReactions`): one register
  // per (message, key, user), its latest `reaction.added`/`reaction.removed` by seq, written in the
  // append's transaction so it is always exactly the fold of the log. The backfill rebuilds it from
  // the log with the same forward-only rule (no release before this one wrote reactions, but a
  // version row written back by hand for a rollback runs the step again on a file that has them);
  // a deleted message's registers go, as its erasure drops them. `parley_events_edits` serves the
  // edits and deletes of a page without touching its reactions (`readChanges` by kind), and
  // `parley_events_messages` the unread count: it reads messages only, however many changes
  // the log holds after the watermark.
  {
    columns: [
      { table: 'parley_events', name: 'lane', definition: 'INTEGER NOT NULL DEFAULT 0' },
      { table: 'parley_events', name: 'quote_seq', definition: 'INTEGER' },
    ],
    sql: `
  CREATE INDEX IF NOT EXISTS parley_events_lane ON parley_events (conversation_id, lane, seq);
  UPDATE parley_events SET quote_seq = json_extract(data, '$.replyTo.seq')
    WHERE kind = 'message' AND quote_seq IS NULL AND json_extract(data, '$.replyTo.seq') IS NOT NULL;
  CREATE INDEX IF NOT EXISTS parley_events_quotes ON parley_events (conversation_id, quote_seq) WHERE quote_seq IS NOT NULL;
  CREATE TRIGGER IF NOT EXISTS parley_events_quote_seq AFTER INSERT ON parley_events
    WHEN NEW.quote_seq IS NULL AND NEW.kind = 'message' AND instr(NEW.data, '"replyTo"') > 0
      AND json_extract(NEW.data, '$.replyTo.seq') IS NOT NULL
  BEGIN
    UPDATE parley_events SET quote_seq = json_extract(NEW.data, '$.replyTo.seq')
      WHERE conversation_id = NEW.conversation_id AND seq = NEW.seq;
  END;
  CREATE INDEX IF NOT EXISTS parley_events_edits ON parley_events (conversation_id, lane, seq)
    WHERE kind IN ('message.edited', 'message.deleted');
  CREATE INDEX IF NOT EXISTS parley_events_messages ON parley_events (conversation_id, seq, sender_id)
    WHERE kind = 'message';
  CREATE TABLE IF NOT EXISTS parley_reactions (
    conversation_id TEXT NOT NULL,
    message_seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    held INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, message_seq, key, user_id)
  ) WITHOUT ROWID;
  INSERT INTO parley_reactions (conversation_id, message_seq, key, user_id, seq, held)
    SELECT conversation_id, json_extract(data, '$.messageSeq'), json_extract(data, '$.key'), sender_id, seq, kind = 'reaction.added'
    FROM parley_events WHERE kind IN ('reaction.added', 'reaction.removed')
      AND json_type(data, '$.messageSeq') = 'integer' AND json_type(data, '$.key') = 'text'
    ON CONFLICT (conversation_id, message_seq, key, user_id) DO UPDATE SET seq = excluded.seq, held = excluded.held
      WHERE excluded.seq > parley_reactions.seq;
  DELETE FROM parley_reactions WHERE EXISTS (
    SELECT 1 FROM parley_events d WHERE d.conversation_id = parley_reactions.conversation_id
      AND d.lane = parley_reactions.message_seq AND d.kind = 'message.deleted');
  `,
  },
  // 5: the webhook delivery queue (`WebhookQueue`, sqlite-webhooks.ts): one row per (endpoint,
  // event), written before the event's ACK and kept until delivered and purged. The claim query
  // reads the pending rows by due time from a partial index, so delivered rows waiting for their
  // purge cost it nothing. Not WITHOUT ROWID: a notice's payload may be large. Additive: older
  // builds never read the table (they send no webhooks), so `readable_from` stays 1.
  // Also protocol 6 (the same release, so the same step): a group's details (`image`,
  // `description`, `custom` as JSON text, `slow_mode_ms`) and a member's `muted_until`, nullable
  // columns that read as null on every earlier row; `admin` is a new value of `role`: a schema-4
  // build treats an admin as a member who does not own the group, and never writes the value.
  // Blocks, bans and reports are tables of their own. Blocks and bans keep a rowid: its order is
  // the order they were made in (`listBlocks`, `listBans`). A report is unique per (conversation,
  // message, reporter): a repeat updates it in place. Additive: older builds read none of them.
  {
    columns: [
      { table: 'parley_conversations', name: 'image', definition: 'TEXT' },
      { table: 'parley_conversations', name: 'description', definition: 'TEXT' },
      { table: 'parley_conversations', name: 'custom', definition: 'TEXT' },
      { table: 'parley_conversations', name: 'slow_mode_ms', definition: 'INTEGER' },
      { table: 'parley_members', name: 'muted_until', definition: 'INTEGER' },
    ],
    sql: `
  CREATE TABLE IF NOT EXISTS parley_webhook_deliveries (
    id TEXT NOT NULL PRIMARY KEY,
    endpoint TEXT NOT NULL,
    event_id TEXT NOT NULL,
    conversation_id TEXT,
    payload TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    claim_token TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS parley_webhook_deliveries_due ON parley_webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS parley_webhook_deliveries_state ON parley_webhook_deliveries (state, created_at, id);
  CREATE INDEX IF NOT EXISTS parley_webhook_deliveries_endpoint ON parley_webhook_deliveries (endpoint, state, created_at, id);
  CREATE TABLE IF NOT EXISTS parley_blocks (
    user_id TEXT NOT NULL,
    blocked_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
  );
  CREATE INDEX IF NOT EXISTS parley_blocks_blocked ON parley_blocks (blocked_id, user_id);
  CREATE TABLE IF NOT EXISTS parley_bans (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
  );
  CREATE TABLE IF NOT EXISTS parley_reports (
    id TEXT NOT NULL PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    message_seq INTEGER NOT NULL,
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (conversation_id, message_id, reporter_id)
  );
  CREATE INDEX IF NOT EXISTS parley_reports_recent ON parley_reports (updated_at DESC, id);
  CREATE INDEX IF NOT EXISTS parley_reports_conversation ON parley_reports (conversation_id, updated_at DESC, id);
  `,
  },
  // 6 (protocol 7): the records of attachment uploads (`AttachmentStore`, sqlite-attachments.ts):
  // one row per upload slot, from `pending` through `claimed` (a send names it) and `attached` (its
  // message is stored) to `deleting`. The sweep reads stale rows by state and time; a message
  // delete reads its rows by (conversation, message). Additive: older builds never read the table
  // (they issue no uploads), so `readable_from` stays 1.
  {
    sql: `
  CREATE TABLE IF NOT EXISTS parley_attachments (
    id TEXT NOT NULL PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    uploader_id TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    preview TEXT,
    key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    client_msg_id TEXT,
    claimed_at INTEGER,
    message_id TEXT
  );
  CREATE INDEX IF NOT EXISTS parley_attachments_message ON parley_attachments (conversation_id, message_id);
  CREATE INDEX IF NOT EXISTS parley_attachments_sweep ON parley_attachments (state, created_at);
  CREATE INDEX IF NOT EXISTS parley_attachments_uploader ON parley_attachments (uploader_id, state);
  `,
  },
  // 7: notifications (sqlite-notifications.ts). `parley_notifications` is the queue: one row per
  // (user, conversation) with a pending notification, its schedule and its claim; the claim reads
  // due rows from (next_attempt_at, id). `parley_notification_items` holds the messages each row
  // collapses, one per seq (so a repeated enqueue is a no-op and a completion keeps what came
  // after its claim). `parley_push_subscriptions` holds one Web Push subscription per (user,
  // device); an endpoint belongs to one device. A member's own `notify` for a conversation and a
  // user's default `notify` are nullable columns (null: 'all' for the user, the user's default for
  // a member), which older builds never read and never overwrite (their settings upsert names its
  // columns). Additive: `readable_from` stays 1.
  {
    columns: [
      { table: 'parley_members', name: 'notify', definition: 'TEXT' },
      { table: 'parley_user_settings', name: 'notify', definition: 'TEXT' },
    ],
    sql: `
  CREATE TABLE IF NOT EXISTS parley_notifications (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    claim_token TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS parley_notifications_due ON parley_notifications (next_attempt_at, id);
  CREATE INDEX IF NOT EXISTS parley_notifications_user ON parley_notifications (user_id, conversation_id);
  CREATE TABLE IF NOT EXISTS parley_notification_items (
    notification_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sender_id TEXT NOT NULL,
    mentioned INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    PRIMARY KEY (notification_id, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS parley_push_subscriptions (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    expiration_time INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, device_id)
  );
  `,
  },
  // 8: message search (sqlite-search.ts). `parley_search_conversations` numbers each conversation
  // the index has seen (`n`) and keeps how far its log is applied, its highest indexed seq and ts,
  // and how far its messages' times run against their seqs (`disorder`, in ms). A message is
  // `(n << 32) | seq` in `parley_search_docs` (when, who, its tokens, the version that set them; a
  // removal leaves a row without tokens, its version kept) and `(n << 32) | (2^32 - 1 - seq)` in
  // the FTS5 table (contentless: the tokens are stored once, in the docs; seqs counted down,
  // newest first, the order FTS5 reads fast), so one conversation's messages are one rowid range.
  // Nothing to backfill: the server fills the index from the log, per conversation, from
  // indexed_seq 0. Additive: older builds never read the tables (their writes reach the index
  // through the log).
  {
    sql: `
  CREATE TABLE IF NOT EXISTS parley_search_conversations (
    n INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE,
    indexed_seq INTEGER NOT NULL DEFAULT 0,
    max_seq INTEGER NOT NULL DEFAULT 0,
    max_ts INTEGER,
    disorder INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS parley_search_docs (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    sender_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    tokens TEXT
  );
  CREATE VIRTUAL TABLE IF NOT EXISTS parley_search_fts USING fts5(
    tokens, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3'
  );
  `,
  },
];

/**
 * The schema version this build of Parley writes.
 *
 * @example
 * if (migrateSqlite(db).from < SQLITE_SCHEMA_VERSION) console.log('schema upgraded');
 */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS.length;

export interface MigrationResult {
  /** Version found in the file (0 for a file Parley never touched). */
  from: number;
  /** Version after migrating: `SQLITE_SCHEMA_VERSION`, or the file's own when a newer Parley wrote it. */
  to: number;
  /** The oldest schema version that can still read and write the file. */
  readableFrom: number;
}

/**
 * Brings a database to the current schema. The version lives in its own `parley_schema` table
 * rather than `PRAGMA user_version`, which belongs to the application when it shares the file.
 * Runs in one IMMEDIATE transaction: two processes opening a new file at once migrate it once,
 * and a crash mid-way leaves the previous version intact.
 *
 * Next to the version, `readable_from` records the oldest version that can still use the file. A
 * file from a newer Parley is used as it is (one warning logged) when `readable_from` is at or
 * below this build's version, and refused with a `StoreVersionError` otherwise: during a rolling
 * deploy, nodes of the previous release keep running on a file the next release migrated.
 *
 * @example
 * const { from, to } = migrateSqlite(new Database('chat.sqlite'));
 */
export function migrateSqlite(db: Database, options: { logger?: Pick<Logger, 'warn'> } = {}): MigrationResult {
  return db
    .transaction((): MigrationResult => {
      db.exec('CREATE TABLE IF NOT EXISTS parley_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
      // Released builds read only `version`: the mark is an extra column they never see. It is
      // added outside the numbered steps, so adding it does not make the file newer than them.
      const columns = db.prepare<[], { name: string }>('PRAGMA table_info(parley_schema)').all();
      if (!columns.some((column) => column.name === 'readable_from')) db.exec('ALTER TABLE parley_schema ADD COLUMN readable_from INTEGER');
      const row = db.prepare('SELECT version, readable_from FROM parley_schema WHERE id = 1').get() as
        | { version: number; readable_from: number | null }
        | undefined;
      const from = row?.version ?? 0;
      if (from > SQLITE_SCHEMA_VERSION) {
        const logger = options.logger ?? createJsonLogger({ level: 'warn' });
        const readableFrom = acceptNewerSchema('sqlite', from, row?.readable_from ?? null, SQLITE_SCHEMA_VERSION, logger);
        // Nothing is written: the file stays at the newer version, for the newer nodes.
        return { from, to: from, readableFrom };
      }
      for (let version = from + 1; version <= SQLITE_SCHEMA_VERSION; version++) runStep(db, SQLITE_MIGRATIONS[version - 1]!);
      const readableFrom = Math.max(row?.readable_from ?? 1, readableFromOf(SQLITE_MIGRATIONS, SQLITE_SCHEMA_VERSION));
      db.prepare(
        `INSERT INTO parley_schema (id, version, readable_from) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, readable_from = excluded.readable_from`,
      ).run(SQLITE_SCHEMA_VERSION, readableFrom);
      return { from, to: SQLITE_SCHEMA_VERSION, readableFrom };
    })
    .immediate();
}

function runStep(db: Database, step: SqliteMigration): void {
  for (const { table, name, definition } of step.columns ?? []) {
    const existing = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
    if (!existing.some((column) => column.name === name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
  }
  db.exec(step.sql);
}
