import { expect } from 'vitest';
import { matchSearch, parseSearchQuery, searchTokenText } from '@parley/protocol';
import type { SearchDocument, SearchIndex, SearchIndexHit, SearchIndexQuery } from '../search/types.js';
import { compareNewest } from '../search/search-order.js';

/** What a search index check runs against: a fresh, empty index. */
export interface SearchCheckContext {
  readonly index: SearchIndex;
}

/**
 * One search index conformance check, runnable on its own against a fresh index: the suite
 * registers each as a test, and the kit's own tests run them against broken indexes.
 */
export interface SearchCheck {
  name: string;
  run(ctx: SearchCheckContext): Promise<void>;
}

/** A message as the checks write it: its text, and where, when and by whom it was sent. */
export interface Message {
  conversationId: string;
  seq: number;
  text: string;
  /** Default: `T0 + seq * 1000`. */
  ts?: number;
  /** Default: `alice`. */
  senderId?: string;
  /** Default: the seq (the message as sent, never edited). */
  version?: number;
}

export const T0 = 1_800_000_000_000;

/** The document a server would index for `message`. */
export function docOf(message: Message): SearchDocument {
  const tokens = searchTokenText(message.text);
  if (!tokens) throw new Error(`the kit's own message ${message.conversationId}#${message.seq} has nothing searchable`);
  return {
    conversationId: message.conversationId,
    seq: message.seq,
    ts: message.ts ?? T0 + message.seq * 1000,
    senderId: message.senderId ?? 'alice',
    tokens,
    version: message.version ?? message.seq,
  };
}

/** Indexes `messages` (one update per conversation, through its highest seq). */
export async function indexMessages(index: SearchIndex, messages: readonly Message[]): Promise<void> {
  const byConversation = new Map<string, Message[]>();
  for (const message of messages) byConversation.set(message.conversationId, [...(byConversation.get(message.conversationId) ?? []), message]);
  for (const [conversationId, held] of byConversation) {
    await index.apply({ conversationId, upserts: held.map(docOf), removals: [], throughSeq: Math.max(...held.map((m) => m.seq)) });
  }
}

export type Ask = Omit<SearchIndexQuery, 'terms' | 'conversationIds' | 'order' | 'limit'> & {
  order?: SearchIndexQuery['order'];
  limit?: number;
};

/** The index's query for `text` (parsed by the one rule), newest first, 50 a page by default. */
export function queryOf(conversationIds: readonly string[], text: string, ask: Ask = {}): SearchIndexQuery {
  const terms = parseSearchQuery(text);
  if (terms.length === 0) throw new Error(`the kit's own query ${JSON.stringify(text)} has no terms`);
  return { conversationIds, terms, order: 'newest', limit: 50, ...ask };
}

/** Every hit of a query, page by page, checking each page's size on the way. */
export async function allHits(index: SearchIndex, query: SearchIndexQuery, maxPages = 1000): Promise<SearchIndexHit[]> {
  const hits: SearchIndexHit[] = [];
  let cursor = query.cursor;
  for (let page = 0; page < maxPages; page++) {
    const answer = await index.query({ ...query, ...(cursor !== undefined ? { cursor } : {}) });
    expect(answer.hits.length, `page ${page + 1} holds more than limit ${query.limit}`).toBeLessThanOrEqual(query.limit);
    hits.push(...answer.hits);
    if (answer.cursor === undefined) return hits;
    expect(answer.hits.length, `page ${page + 1} is empty but has a cursor after it`).toBeGreaterThan(0);
    cursor = answer.cursor;
  }
  throw new Error(`the pages of ${JSON.stringify(query.terms)} did not end after ${maxPages}`);
}

/** `conversationId#seq`, the way the checks name hits. */
export const keyOf = (hit: SearchIndexHit): string => `${hit.conversationId}#${hit.seq}`;

/** The sorted keys of every hit of `text` in `conversationIds`. */
export async function found(index: SearchIndex, conversationIds: readonly string[], text: string, ask: Ask = {}): Promise<string[]> {
  return (await allHits(index, queryOf(conversationIds, text, ask))).map(keyOf).sort();
}

/**
 * The keys the protocol's own rule (`matchSearch`) says `text` finds among `messages`: every
 * matching check compares the index with it, so the kit cannot drift from the rule.
 */
export function expectedByRule(messages: readonly Message[], text: string): string[] {
  const terms = parseSearchQuery(text);
  return messages.filter((m) => matchSearch(m.text, terms) !== null).map((m) => `${m.conversationId}#${m.seq}`).sort();
}

/** The keys of `messages` in the `newest` order. */
export function newestOrder(messages: readonly Message[]): string[] {
  return messages
    .map((m) => ({ ...docOf(m) }))
    .sort(compareNewest)
    .map((d) => `${d.conversationId}#${d.seq}`);
}

/** `c#1`, `c#2`…: keys of seqs in one conversation, sorted as `found` sorts them. */
export const keys = (conversationId: string, ...seqs: number[]): string[] => seqs.map((seq) => `${conversationId}#${seq}`).sort();
