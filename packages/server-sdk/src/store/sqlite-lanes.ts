import type { Database } from 'better-sqlite3';
import type { ChatStore } from './types.js';
import { erasedEvent } from './store-helpers.js';
import { toEvent, type EventRow } from './sqlite-rows.js';

/** `eraseMessage` inside the caller's transaction (`appendChange` erases with its append). */
export type EraseInTx = (conversationId: string, messageSeq: number, keepEditSeq: number | undefined) => void;

/** The kinds the partial index parley_events_edits holds. */
const EDITS_AND_DELETES: ReadonlySet<string> = new Set(['message.edited', 'message.deleted']);

/** The edits and deletes (of the kinds in the last parameter) of a page's messages; tests check its plan. */
export const EDITS_OR_DELETES_SQL = `SELECT * FROM parley_events WHERE conversation_id = ? AND lane IN (SELECT value FROM json_each(?)) AND seq <= ?
  AND kind IN ('message.edited', 'message.deleted') AND kind IN (SELECT value FROM json_each(?))`;

/**
 * The SQLite store's reads by lane (history's timeline and threads, the changes folded into a
 * page, reply counts) and its erasure, on the `lane` and `quote_seq` columns of schema 4.
 * Lists of seqs travel as one JSON array parameter (`json_each`), so each read is one statement
 * on the (conversation_id, lane, seq) index whatever the page size.
 */
export function createSqliteLanes(db: Database): Pick<ChatStore, 'readLane' | 'readChanges' | 'countReplies' | 'eraseMessage'> & { eraseInTx: EraseInTx } {
  const sql = {
    lane: db.prepare<[string, number, number, number], EventRow>(
      'SELECT * FROM parley_events WHERE conversation_id = ? AND lane = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    ),
    // A change's lane is its target's seq, so the changes of a page are the rows of those lanes.
    // Sorted by the caller: with ORDER BY seq here SQLite prefers the primary key, a scan of the
    // conversation up to throughSeq, to one range of the lane index per message.
    changes: db.prepare<[string, string, number], EventRow>(
      'SELECT * FROM parley_events WHERE conversation_id = ? AND lane IN (SELECT value FROM json_each(?)) AND seq <= ?',
    ),
    // Changes of some kinds only. Reactions are most of a busy lane, so edits and deletes (what
    // history folds) come from the partial index parley_events_edits, which holds no reaction: the
    // literal `kind IN (...)` term is what lets SQLite use it, the json_each one narrows further.
    editsOrDeletes: db.prepare<[string, string, number, string], EventRow>(EDITS_OR_DELETES_SQL),
    changesOfKinds: db.prepare<[string, string, number, string], EventRow>(
      `SELECT * FROM parley_events WHERE conversation_id = ? AND lane IN (SELECT value FROM json_each(?)) AND seq <= ?
       AND kind IN (SELECT value FROM json_each(?))`,
    ),
    // One grouped read of the thread lanes (-root). With MAX(seq) the only aggregate, SQLite takes
    // the bare `ts` from the row holding that max: the newest reply's ts.
    replies: db.prepare<[string, string, number], { lane: number; n: number; last_seq: number; ts: number }>(
      `SELECT lane, COUNT(*) AS n, MAX(seq) AS last_seq, ts FROM parley_events
       WHERE conversation_id = ? AND lane IN (SELECT -value FROM json_each(?)) AND seq <= ? GROUP BY lane`,
    ),
    // What erasing message N can touch: the message, its lane (its changes: edits among them) and
    // the replies quoting it (parley_events_quotes).
    touched: db.prepare<[string, number, string, number, string, number], EventRow>(
      `SELECT * FROM parley_events WHERE conversation_id = ? AND seq = ?
       UNION ALL SELECT * FROM parley_events WHERE conversation_id = ? AND lane = ? AND kind = 'message.edited'
       UNION ALL SELECT * FROM parley_events WHERE conversation_id = ? AND quote_seq = ?`,
    ),
    rewrite: db.prepare<[string, string, number]>('UPDATE parley_events SET data = ? WHERE conversation_id = ? AND seq = ?'),
    // A deleted message's mentions are erased with it: it no longer counts as an unread mention.
    forgetMentions: db.prepare<[string, number]>('DELETE FROM parley_mentions WHERE conversation_id = ? AND seq = ?'),
    // And its reactions (parley_reactions, see sqlite-reactions.ts): a deleted message holds none.
    forgetReactions: db.prepare<[string, number]>('DELETE FROM parley_reactions WHERE conversation_id = ? AND message_seq = ?'),
  };

  const eraseInTx: EraseInTx = (conversationId, messageSeq, keepEditSeq) => {
    const rows = sql.touched.all(conversationId, messageSeq, conversationId, messageSeq, conversationId, messageSeq);
    for (const row of rows) {
      const erased = erasedEvent(toEvent(row), messageSeq, keepEditSeq);
      if (erased) sql.rewrite.run(JSON.stringify(erased.data), conversationId, row.seq);
    }
    if (keepEditSeq === undefined) {
      sql.forgetMentions.run(conversationId, messageSeq);
      sql.forgetReactions.run(conversationId, messageSeq);
    }
  };
  const erase = db.transaction(eraseInTx);

  const positive = (seqs: readonly number[]) => JSON.stringify([...new Set(seqs)].filter((seq) => Number.isSafeInteger(seq) && seq > 0));

  return {
    async readLane(conversationId, lane, beforeSeq, limit) {
      if (limit <= 0) return [];
      return sql.lane.all(conversationId, lane, beforeSeq, limit).map(toEvent).reverse();
    },
    async readChanges(conversationId, messageSeqs, throughSeq, options) {
      const seqs = positive(messageSeqs);
      const kinds = options?.kinds;
      if (seqs === '[]' || kinds?.length === 0) return [];
      const rows = !kinds
        ? sql.changes.all(conversationId, seqs, throughSeq)
        : kinds.every((kind) => EDITS_AND_DELETES.has(kind))
          ? sql.editsOrDeletes.all(conversationId, seqs, throughSeq, JSON.stringify(kinds))
          : sql.changesOfKinds.all(conversationId, seqs, throughSeq, JSON.stringify(kinds));
      return rows.sort((a, b) => a.seq - b.seq).map(toEvent);
    },
    async countReplies(conversationId, rootSeqs, throughSeq) {
      const roots = positive(rootSeqs);
      const rows = roots === '[]' ? [] : sql.replies.all(conversationId, roots, throughSeq);
      return new Map(rows.map((row) => [-row.lane, { count: row.n, lastReplyAt: row.ts }]));
    },
    async eraseMessage(conversationId, messageSeq, options) {
      erase.immediate(conversationId, messageSeq, options?.keepEditSeq);
    },
    eraseInTx,
  };
}
