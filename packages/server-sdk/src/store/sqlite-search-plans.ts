import type { Database } from 'better-sqlite3';
import type { SearchIndexQuery } from '../search/types.js';
import type { Candidate } from '../search/relevance-window.js';
import { compareNewest, isAfterMark, tokensMatch, type NewestMark } from '../search/search-order.js';
import type { FtsMatch } from './sqlite-search-terms.js';

/** A conversation of a search, as the index numbers it, with what it knows of its messages' times. */
export interface Scoped {
  n: number;
  conversationId: string;
  /** The highest seq indexed. */
  maxSeq: number;
  /** How much older than an earlier message a later one may be (ms): see `createNewestHits`. */
  disorder: number;
  /** The newest ts indexed. */
  maxTs: number;
}

/** Above this many conversations, a search first reads the whole index's matches, up to `GLOBAL_PROBE`. */
const RANGE_ONLY_MAX = 64;
const GLOBAL_PROBE = 2000;
const NO_SEQ_BOUND = 2 ** 32;
/** Conversations read per round of the merge, and the hits a conversation's first read takes (each next read 4 times more). */
const STREAMS_PER_ROUND = 8;
const FIRST_BATCH = 32;
/**
 * A message's key in `parley_search_docs` (SQL, from `@n` and `@seq`): its conversation's number
 * and its seq.
 */
export const DOC_ID = '((@n << 32) | @seq)';
/**
 * Its rowid in the FTS table: the seq counted down, so that an ascending read of a conversation's
 * range gives its newest messages first. FTS5 reads a doclist forward and stops at the LIMIT;
 * backwards it reads from the range's start to the end of the term's whole doclist. (The docs
 * keep the seq as it is: a table filled in ascending key order packs its pages full.)
 */
export const FTS_ROWID = '((@n << 32) | (4294967295 - @seq))';
/** The docs key of an FTS rowid (SQL). */
const DOC_OF = (rowid: string) => `((${rowid} >> 32) << 32 | (4294967295 - (${rowid} & 4294967295)))`;
const JOIN_DOCS = `JOIN parley_search_docs d ON d.id = ${DOC_OF('parley_search_fts.rowid')}`;

interface Row {
  seq: number;
  ts: number;
  tokens: string;
}

/** One conversation's hits being read newest first: what is left to read, and how new it can be. */
interface Stream extends Scoped {
  lo: number;
  hi: number;
  to: number;
  tieSeq: number;
  batch: number;
  opened: boolean;
  done: boolean;
  /** No hit left to read is newer than this ts. */
  bound: number;
}

/**
 * The read side of the SQLite search index: a query's hits in the `newest` order, reading as few
 * as the page needs.
 *
 * FTS5 reads a rowid range with MATCH, newest seq first (`FTS_ROWID`), and stops at a LIMIT.
 * SQLite's planner does not drive a join of conversations into such ranges, so each conversation
 * is a stream of its own, and the streams are merged by `ts`, best first: each round reads the few
 * conversations that may hold the newest hits not read yet (at first: those with the newest
 * messages), until the page's last hit is newer than anything any stream has left. A conversation
 * quiet since then is never read.
 *
 * A conversation's seqs follow its `ts` only roughly (nodes' clocks differ; an edit brings back a
 * message that had no text), so each conversation keeps its `disorder`: the most any message is
 * older than one before it in seq. A stream whose last read hit has `ts` t has nothing left newer
 * than t + disorder, so the order is exact however large the disorder (a large one only costs
 * reading more). A time filter or a cursor becomes a seq range the same way, found by a binary
 * search over the conversation's messages.
 *
 * With many conversations a rare term is cheaper from the whole index: its matches (up to
 * `GLOBAL_PROBE`) are read once and checked against the conversations in memory. A loose match
 * (`createFtsMatcher`) is checked row by row; a stream's bound still follows the rows it read.
 */
export function createNewestHits(db: Database) {
  const sql = {
    global: db.prepare<[string, number], Row & { n: number; sender_id: string }>(
      `SELECT d.id >> 32 AS n, d.id & 4294967295 AS seq, d.ts AS ts, d.sender_id, d.tokens AS tokens
       FROM parley_search_fts ${JOIN_DOCS}
       WHERE parley_search_fts MATCH ? LIMIT ?`,
    ),
    atOrBefore: db.prepare<[{ n: number; seq: number }], { seq: number; ts: number }>(
      `SELECT id & 4294967295 AS seq, ts FROM parley_search_docs
       WHERE id BETWEEN (@n << 32) AND ${DOC_ID} AND tokens IS NOT NULL ORDER BY id DESC LIMIT 1`,
    ),
  };
  const streamStatement = (bySender: boolean) =>
    db.prepare<Record<string, unknown>, Row>(
      `SELECT d.id & 4294967295 AS seq, d.ts AS ts, d.tokens AS tokens
       FROM parley_search_fts ${JOIN_DOCS}
       WHERE parley_search_fts MATCH @match
         AND parley_search_fts.rowid BETWEEN ((@n << 32) | (4294967295 - @hi)) AND ((@n << 32) | (4294967295 - @lo))
         AND d.ts >= @low AND d.ts <= @to AND (d.ts < @to OR (d.id & 4294967295) < @tieSeq)
         ${bySender ? 'AND d.sender_id = @senderId' : ''}
       ORDER BY parley_search_fts.rowid LIMIT @batch`,
    );
  const streamStatements = { all: streamStatement(false), bySender: streamStatement(true) };

  /**
   * A seq that splits the conversation's messages at ts `x`, found by a binary search that takes
   * their times as sorted: `above` holds a message newer than x (or is past the end), `below` one
   * at or before x (or is 0). Whatever the disorder, a message with ts <= x - disorder is before
   * `above`, and one with ts > x + disorder after `below`.
   */
  function split(n: number, maxSeq: number, x: number): { below: number; above: number } {
    let below = 0;
    let above = maxSeq + 1;
    while (above - below > 1) {
      const mid = Math.floor((below + above) / 2);
      const doc = sql.atOrBefore.get({ n, seq: mid });
      if (!doc || doc.seq <= below) below = mid;
      else if (doc.ts > x) above = doc.seq;
      else below = mid;
    }
    return { below, above };
  }

  /** Up to `count` hits of `query` in `scope`, newest first, from the start or after `mark`. */
  return function newestHits(scope: readonly Scoped[], query: SearchIndexQuery, { match, loose }: FtsMatch, count: number, mark: NewestMark | null): Candidate[] {
    const low = query.after !== undefined ? query.after + 1 : Number.MIN_SAFE_INTEGER;
    const high = query.before !== undefined ? query.before - 1 : Number.MAX_SAFE_INTEGER;
    if (low > high || count <= 0) return [];

    if (scope.length > RANGE_ONLY_MAX) {
      const rows = sql.global.all(match, GLOBAL_PROBE + 1);
      if (rows.length <= GLOBAL_PROBE) {
        const ids = new Map(scope.map(({ n, conversationId }) => [n, conversationId]));
        const admits = (hit: Candidate & { senderId: string }) =>
          hit.ts >= low && hit.ts <= high && (query.senderId === undefined || hit.senderId === query.senderId) && (!mark || isAfterMark(hit, mark));
        return rows
          .flatMap(({ n, seq, ts, sender_id, tokens }) => {
            const conversationId = ids.get(n);
            const hit = conversationId === undefined ? null : { conversationId, seq, ts, senderId: sender_id, tokens: tokens.split(' ') };
            return hit && admits(hit) && (!loose || tokensMatch(hit.tokens, query.terms)) ? [hit] : [];
          })
          .sort(compareNewest)
          .slice(0, count);
      }
    }

    const statement = query.senderId !== undefined ? streamStatements.bySender : streamStatements.all;
    const firstBatch = Math.min(count, FIRST_BATCH);
    const streams: Stream[] = scope.map((conversation) => {
      // Each conversation's highest ts, and at that ts the seq its hits stay below (the cursor's order).
      let to = high;
      let tieSeq = NO_SEQ_BOUND;
      if (mark && mark.ts <= high) {
        to = conversation.conversationId > mark.conversationId ? mark.ts - 1 : mark.ts;
        if (conversation.conversationId === mark.conversationId) tieSeq = mark.seq;
      }
      const bound = Math.min(to, conversation.maxTs);
      return { ...conversation, lo: 0, hi: 0, to, tieSeq, batch: firstBatch, opened: false, done: bound < low, bound };
    });
    /** Reads a stream's next rows into `hits`. Its seq range is worked out on its first read. */
    const read = (stream: Stream, hits: Candidate[]) => {
      if (!stream.opened) {
        const { n, maxSeq, disorder, to } = stream;
        stream.opened = true;
        stream.lo = low === Number.MIN_SAFE_INTEGER ? 0 : split(n, maxSeq, low - disorder - 1).below + 1;
        stream.hi = to === Number.MAX_SAFE_INTEGER ? maxSeq : Math.min(maxSeq, split(n, maxSeq, to + disorder).above - 1);
        if (stream.lo > stream.hi) return void (stream.done = true);
      }
      const rows = statement.all({
        match, n: stream.n, lo: stream.lo, hi: stream.hi, low, to: stream.to, tieSeq: stream.tieSeq, batch: stream.batch,
        ...(query.senderId !== undefined ? { senderId: query.senderId } : {}),
      });
      for (const { seq, ts, tokens } of rows) {
        const hit = { conversationId: stream.conversationId, seq, ts, tokens: tokens.split(' ') };
        if (!loose || tokensMatch(hit.tokens, query.terms)) hits.push(hit);
      }
      const last = rows[rows.length - 1];
      if (rows.length < stream.batch || !last || last.seq <= stream.lo) {
        stream.done = true;
      } else {
        stream.hi = last.seq - 1;
        stream.bound = Math.min(stream.to, last.ts + stream.disorder);
        stream.batch = Math.min(stream.batch * 4, 4096);
      }
    };
    // Best first: the streams that may hold the newest hits, a few at a time, until the page's
    // last hit is newer than anything any stream has left (a conversation quiet since then is
    // never read).
    const hits: Candidate[] = [];
    for (;;) {
      const floor = hits.length >= count ? hits[count - 1]!.ts : Number.MIN_SAFE_INTEGER;
      const open = streams.filter((stream) => !stream.done && stream.bound >= floor).sort((a, b) => b.bound - a.bound);
      if (open.length === 0) break;
      for (const stream of open.slice(0, STREAMS_PER_ROUND)) read(stream, hits);
      hits.sort(compareNewest);
    }
    return hits.slice(0, count);
  };
}
