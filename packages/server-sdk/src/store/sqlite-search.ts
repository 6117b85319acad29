import type { Database } from 'better-sqlite3';
import type { SearchDocument, SearchIndex, SearchIndexPage } from '../search/types.js';
import { decodeCursor, newestPage } from '../search/search-order.js';
import { RELEVANCE_WINDOW, relevancePage } from '../search/relevance-window.js';
import { DOC_ID, FTS_ROWID, createNewestHits, type Scoped } from './sqlite-search-plans.js';
import { createFtsMatcher } from './sqlite-search-terms.js';

/** A message's rowid holds its seq in the low 32 bits. */
const MAX_SEQ = 0xffffffff;

export interface SqliteSearchIndexOptions {
  /** How many of the newest hits the `relevance` order ranks (then older ones follow, newest first). Default 1000. */
  relevanceWindow?: number;
}

/**
 * The SQLite store's search index (schema 8): an FTS5 table over each message's folded tokens,
 * with the tokenizer `unicode61` and `remove_diacritics 0`. The tokens come folded already (lower
 * case, accents removed, by `searchTokenText`, the one rule shared with the client), so the
 * tokenizer only has to split them where we put spaces: between words, and between the characters
 * of scripts written without spaces (Chinese, Japanese, Thai…), each of which is its own token. A
 * run of such characters is then an FTS5 phrase of single characters, which is exactly the rule
 * (adjacent, in order). `prefix = '1 2 3'` keeps prefix indexes for one to three characters, so a
 * short word typed while searching (`m`, `me`) does not merge the lists of every longer word;
 * longer ones: `createFtsMatcher`.
 *
 * A message is `(n << 32) | seq` in the docs and `(n << 32) | (2^32 - 1 - seq)` in the FTS table,
 * `n` the conversation's number in `parley_search_conversations`: one conversation's messages
 * are one rowid range, which FTS5 reads without the rest, newest seq first. How a query is planned: `createNewestHits` (sqlite-search-plans.ts).
 * `relevance` ranks the newest `relevanceWindow` hits with `tokensScore` (the memory and MongoDB
 * indexes' weights: FTS5's bm25 would count each term over the whole index for every query).
 *
 * Each `apply` is one IMMEDIATE transaction that compares versions, so processes sharing the file
 * may apply overlapping batches in any order.
 *
 * @example
 * import Database from 'better-sqlite3';
 * import { createSqliteSearchIndex, migrateSqlite } from '@parley/server-sdk/sqlite';
 *
 * const db = new Database('./data/parley.sqlite');
 * migrateSqlite(db); // createSqliteStore does it too
 * const index = createSqliteSearchIndex(db);
 */
export function createSqliteSearchIndex(db: Database, options: SqliteSearchIndexOptions = {}): SearchIndex {
  const window = options.relevanceWindow ?? RELEVANCE_WINDOW;
  const sql = {
    conversation: db.prepare<[string, number], { n: number; max_seq: number; max_ts: number | null; disorder: number }>(
      `INSERT INTO parley_search_conversations (conversation_id, indexed_seq) VALUES (?, ?)
       ON CONFLICT (conversation_id) DO UPDATE SET indexed_seq = max(indexed_seq, excluded.indexed_seq)
       RETURNING n, max_seq, max_ts, disorder`,
    ),
    times: db.prepare<[{ n: number; maxSeq: number; maxTs: number | null; disorder: number }]>(
      'UPDATE parley_search_conversations SET max_seq = @maxSeq, max_ts = @maxTs, disorder = @disorder WHERE n = @n',
    ),
    newestBefore: db.prepare<[{ n: number; seq: number }], { ts: number | null }>(
      `SELECT max(ts) AS ts FROM parley_search_docs WHERE id BETWEEN (@n << 32) AND ${DOC_ID} - 1 AND tokens IS NOT NULL`,
    ),
    oldestAfter: db.prepare<[{ n: number; seq: number }], { ts: number | null }>(
      `SELECT min(ts) AS ts FROM parley_search_docs WHERE id BETWEEN ${DOC_ID} + 1 AND ((@n << 32) | 4294967295) AND tokens IS NOT NULL`,
    ),
    indexedSeqs: db.prepare<[string], { conversation_id: string; indexed_seq: number }>(
      'SELECT conversation_id, indexed_seq FROM parley_search_conversations WHERE conversation_id IN (SELECT value FROM json_each(?))',
    ),
    scope: db.prepare<[string], Scoped>(
      `SELECT n, conversation_id AS conversationId, max_seq AS maxSeq, disorder, max_ts AS maxTs FROM parley_search_conversations
       WHERE conversation_id IN (SELECT value FROM json_each(?)) AND max_ts IS NOT NULL`,
    ),
    version: db.prepare<[{ n: number; seq: number }], { version: number; ts: number; tokens: string | null }>(
      `SELECT version, ts, tokens FROM parley_search_docs WHERE id = ${DOC_ID}`,
    ),
    unindex: db.prepare<[{ n: number; seq: number }]>(`DELETE FROM parley_search_fts WHERE rowid = ${FTS_ROWID}`),
    index: db.prepare<[{ n: number; seq: number; tokens: string }]>(`INSERT INTO parley_search_fts (rowid, tokens) VALUES (${FTS_ROWID}, @tokens)`),
    doc: db.prepare<[{ n: number; seq: number; ts: number; senderId: string; version: number; tokens: string }]>(
      `INSERT INTO parley_search_docs (id, ts, sender_id, version, tokens) VALUES (${DOC_ID}, @ts, @senderId, @version, @tokens)
       ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, sender_id = excluded.sender_id, version = excluded.version, tokens = excluded.tokens`,
    ),
    tombstone: db.prepare<[{ n: number; seq: number; version: number }]>(
      `INSERT INTO parley_search_docs (id, ts, sender_id, version, tokens) VALUES (${DOC_ID}, 0, '', @version, NULL)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, tokens = NULL`,
    ),
    documents: db.prepare<[], { documents: number }>('SELECT count(*) AS documents FROM parley_search_docs WHERE tokens IS NOT NULL'),
    bytes: db.prepare<[], { bytes: number | null }>(
      `SELECT sum(pgsize) AS bytes FROM dbstat
       WHERE aggregate = TRUE AND name IN (SELECT name FROM sqlite_schema WHERE name LIKE 'parley\\_search\\_%' ESCAPE '\\')`,
    ),
  };
  const newestHits = createNewestHits(db);
  const ftsMatch = createFtsMatcher(db);

  const applyInTx = db.transaction((conversationId: string, upserts: readonly SearchDocument[], removals: ReadonlyArray<{ seq: number; version: number }>, throughSeq: number) => {
    const conversation = sql.conversation.get(conversationId, throughSeq)!;
    const { n } = conversation;
    let { max_seq: maxSeq, max_ts: maxTs, disorder } = conversation;
    /** What the index holds at `seq`, when `version` replaces it (its old text then out of the FTS table). */
    const replaced = (seq: number, version: number) => {
      if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQ) throw new RangeError(`search index: seq ${seq} out of range`);
      const current = sql.version.get({ n, seq });
      if (current && current.version >= version) return null;
      if (current?.tokens) sql.unindex.run({ n, seq });
      return { current };
    };
    for (const doc of upserts) {
      const replacing = replaced(doc.seq, doc.version);
      if (!replacing) continue;
      sql.doc.run({ n, seq: doc.seq, ts: doc.ts, senderId: doc.senderId, version: doc.version, tokens: doc.tokens });
      sql.index.run({ n, seq: doc.seq, tokens: doc.tokens });
      if (replacing.current?.tokens && replacing.current.ts === doc.ts) continue; // an edit: same time, same place
      // A message new to the index at this time: how far it runs against its neighbours' times.
      if (doc.seq > maxSeq) {
        if (maxTs !== null) disorder = Math.max(disorder, maxTs - doc.ts);
        maxSeq = doc.seq;
      } else {
        const before = sql.newestBefore.get({ n, seq: doc.seq })?.ts ?? null;
        const after = sql.oldestAfter.get({ n, seq: doc.seq })?.ts ?? null;
        disorder = Math.max(disorder, before === null ? 0 : before - doc.ts, after === null ? 0 : doc.ts - after);
      }
      maxTs = maxTs === null ? doc.ts : Math.max(maxTs, doc.ts);
    }
    for (const { seq, version } of removals) {
      if (replaced(seq, version)) sql.tombstone.run({ n, seq, version });
    }
    if (maxSeq !== conversation.max_seq || maxTs !== conversation.max_ts || disorder !== conversation.disorder) sql.times.run({ n, maxSeq, maxTs, disorder });
  });

  return {
    async indexedSeqs(conversationIds) {
      const out = new Map<string, number>();
      if (conversationIds.length === 0) return out;
      for (const row of sql.indexedSeqs.all(JSON.stringify(conversationIds))) out.set(row.conversation_id, row.indexed_seq);
      return out;
    },

    async apply(update) {
      // The index is built again from the log past its `indexed_seq`, which commits with it, so
      // its writes skip the fsync of `synchronous = FULL` (every log append after them still
      // syncs the WAL that holds them): a power cut loses at most the newest batches, which the
      // next catch-up indexes again. Without this each batch's fsync stalls the event loop.
      const setting = db.pragma('synchronous', { simple: true }) as number;
      if (setting > 1) db.pragma('synchronous = NORMAL');
      try {
        applyInTx.immediate(update.conversationId, update.upserts, update.removals, update.throughSeq);
      } finally {
        if (setting > 1) db.pragma(`synchronous = ${setting}`);
      }
    },

    async query(query): Promise<SearchIndexPage> {
      const mark = query.cursor === undefined ? null : decodeCursor(query.cursor);
      const scope = sql.scope.all(JSON.stringify([...new Set(query.conversationIds)]));
      const match = ftsMatch(query.terms);
      if (query.order === 'relevance') return relevancePage(query, async (count, after) => (scope.length === 0 ? [] : newestHits(scope, query, match, count, after)), window);
      if (scope.length === 0) return { hits: [] };
      return newestPage(newestHits(scope, query, match, query.limit + 1, mark), query.limit);
    },

    async stats() {
      return { documents: sql.documents.get()!.documents, bytes: sql.bytes.get()?.bytes ?? 0 };
    },
  };
}
