import type { SearchTerm } from '@parley/protocol';

/**
 * One searchable message as a search index holds it: where it is, who wrote it and when, and the
 * folded tokens of its current text and file names (`searchTokenText(messageSearchText(data))`
 * from `@parley/protocol`).
 */
export interface SearchDocument {
  conversationId: string;
  /** The message's seq. */
  seq: number;
  /** When the message was sent (its own `ts`; an edit does not change it). */
  ts: number;
  senderId: string;
  /** Its tokens, separated by single spaces (never empty: a message with none is not indexed). */
  tokens: string;
  /**
   * The seq of the event that gave the message these tokens: its own, or its latest edit's. An
   * index keeps the highest version it was given, so two nodes applying overlapping batches in
   * any order end with the newest text.
   */
  version: number;
}

/** What a stretch of one conversation's log did to its searchable messages. */
export interface SearchIndexUpdate {
  conversationId: string;
  /** New messages and edited ones: each replaces the document at its seq unless that one's version is the same or higher. */
  upserts: SearchDocument[];
  /**
   * Deleted messages (and edited ones left with no searchable text): their documents go, and the
   * removal's version stays, so an older upsert applied later (another node's batch) does not
   * bring the message back.
   */
  removals: Array<{ seq: number; version: number }>;
  /** The log is applied up to this seq: the conversation's indexed seq becomes at least this. */
  throughSeq: number;
}

/** One search, as the server gives it to the index after checking membership and the query. */
export interface SearchIndexQuery {
  /** The conversations to search (the user's memberships, or the one asked for). Never empty. */
  conversationIds: readonly string[];
  /** What each matching document's tokens must hold (`parseSearchQuery`, the one rule). Never empty. */
  terms: readonly SearchTerm[];
  /** Only messages this user sent. */
  senderId?: string;
  /** Only messages sent before this ms timestamp (exclusive). */
  before?: number;
  /** Only messages sent after this ms timestamp (exclusive). */
  after?: number;
  /**
   * `newest`: by `ts` descending, then conversation id descending, then seq descending (a total
   * order, so pages never repeat or skip a hit). `relevance`: best match first, ties as `newest`.
   */
  order: 'newest' | 'relevance';
  limit: number;
  /** The index's own cursor, from the page before. */
  cursor?: string;
}

export interface SearchIndexHit {
  conversationId: string;
  seq: number;
}

export interface SearchIndexPage {
  /** At most `limit` hits, in the query's order. */
  hits: SearchIndexHit[];
  /** Present when more hits may follow: the next page starts after the last hit. */
  cursor?: string;
}

/**
 * Where message search looks things up. Each store brings one (SQLite: FTS5; MongoDB: a
 * multikey token index; memory: a scan), and a deployment that outgrows its database plugs its
 * own (`createChatServer({ search: { index } })`, see docs/search.md): the server feeds it from
 * the log (`apply`, at least once, in batches, possibly from several nodes at once) and asks it
 * for candidates (`query`), then checks every hit against the message as it is now and the
 * user's memberships, so an index that lags or keeps a stale version never shows a deleted or
 * edited text, or a conversation the user left.
 */
export interface SearchIndex {
  /** For each conversation, the seq up to which its log is applied (0, or absent, when none). */
  indexedSeqs(conversationIds: readonly string[]): Promise<Map<string, number>>;
  /** Applies an update. Idempotent, and safe to run concurrently with others for the same conversation. */
  apply(update: SearchIndexUpdate): Promise<void>;
  /** Matching documents: each of `terms` matches its tokens, as `matchSearch` in `@parley/protocol` decides. */
  query(query: SearchIndexQuery): Promise<SearchIndexPage>;
  /** How much it holds: documents, and bytes where it can tell (the database's pages, or an estimate). */
  stats(): Promise<{ documents: number; bytes: number }>;
}
