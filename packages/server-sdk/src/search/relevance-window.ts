import type { SearchIndexPage, SearchIndexQuery } from './types.js';
import { compareNewest, decodeCursor, encodeCursor, tokensScore, type NewestMark } from './search-order.js';

/** A hit as an index reads it for ordering: where it stands in the `newest` order, and its tokens. */
export interface Candidate extends NewestMark {
  tokens: readonly string[];
}

/**
 * Up to `count` hits of the query (its terms and filters, not its cursor), in the `newest` order:
 * from the newest, or after `mark`.
 */
export type NewestHits = (count: number, mark: NewestMark | null) => Promise<Candidate[]>;

/** How many of the newest hits `relevance` ranks, by default. */
export const RELEVANCE_WINDOW = 1000;

/**
 * A page in the `relevance` order for an index that reads hits newest first: the newest `window`
 * hits ranked by `tokensScore` (ties newest first), then any older hits newest first. So a search
 * with up to `window` hits is ranked whole, and a common word costs `window` hits, not every
 * message that has it; every hit is given once either way. The cursor counts the hits given
 * (`n`); past the ranked ones it also holds the last hit's place in the `newest` order.
 */
export async function relevancePage(query: SearchIndexQuery, newest: NewestHits, window = RELEVANCE_WINDOW): Promise<SearchIndexPage> {
  const mark = query.cursor === undefined ? null : decodeCursor(query.cursor);
  const offset = mark?.n ?? 0;
  /** A page; its cursor (when more follow) resumes at `resume`, the place in the newest order that hits after the window continue from. */
  const pageOf = (hits: readonly NewestMark[], more: boolean, resume: NewestMark | undefined = hits[hits.length - 1]): SearchIndexPage => ({
    hits: hits.map(({ conversationId, seq }) => ({ conversationId, seq })),
    ...(more && resume ? { cursor: encodeCursor({ ts: resume.ts, conversationId: resume.conversationId, seq: resume.seq, n: offset + hits.length }) } : {}),
  });
  if (mark && offset >= window) {
    const rest = await newest(query.limit + 1, mark);
    return pageOf(rest.slice(0, query.limit), rest.length > query.limit);
  }
  const head = await newest(window + 1, null);
  const ranked = head
    .slice(0, window)
    .map((hit) => ({ hit, score: tokensScore(hit.tokens, query.terms) }))
    .sort((a, b) => b.score - a.score || compareNewest(a.hit, b.hit))
    .map(({ hit }) => hit);
  const page: NewestMark[] = ranked.slice(offset, offset + query.limit);
  if (head.length <= window) return pageOf(page, offset + page.length < ranked.length);
  // Older hits than the window's follow it, newest first, from the oldest hit of the window on.
  const boundary = head[window - 1]!;
  if (page.length === query.limit) return pageOf(page, true, offset + page.length >= window ? boundary : undefined);
  const wanted = query.limit - page.length;
  const rest = await newest(wanted + 1, boundary);
  const hits = [...page, ...rest.slice(0, wanted)];
  return pageOf(hits, rest.length > wanted, rest.length > 0 ? hits[hits.length - 1] : boundary);
}
