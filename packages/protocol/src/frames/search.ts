import * as v from 'valibot';
import { MessageEvent } from '../event.js';
import { Id, Seq, Timestamp, WellFormedString } from '../primitives.js';
import { Limits } from '../limits.js';

/** How search results are ordered: newest first (the default), or best match first. */
export const SearchOrder = v.picklist(['newest', 'relevance']);
export type SearchOrder = v.InferOutput<typeof SearchOrder>;

/**
 * SEARCH (client → server): messages of the user's conversations whose current text matches
 * `query` (search-text.ts is the rule: every word of the query starts a word of the text, in any
 * case and with or without accents; a "quoted phrase" and a run of Chinese, Japanese or Thai
 * characters match as written, in order). Only conversations the user is a member of; an edited
 * message by its current text only, a deleted one never. `conversationId` narrows to one
 * conversation (NOT_FOUND for a non-member, as everywhere); `senderId` to one author; `before` and
 * `after` (ms timestamps, exclusive) to a time range. `cursor` continues a previous answer's page.
 * Answered with `search.result`; RATE_LIMITED when a user searches too often.
 */
export const SearchFrame = v.strictObject({
  type: v.literal('search'),
  reqId: Id,
  query: v.pipe(WellFormedString, v.minLength(1), v.maxLength(Limits.maxSearchQueryLength)),
  conversationId: v.optional(Id),
  senderId: v.optional(Id),
  before: v.optional(Timestamp),
  after: v.optional(Timestamp),
  order: v.optional(SearchOrder),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Limits.maxSearchResults))),
  cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(Limits.maxSearchCursorLength))),
});
export type SearchFrame = v.InferOutput<typeof SearchFrame>;

/** A part of a snippet that matched the query: `[start, end)` in UTF-16 units of `snippet`. */
export const SearchHighlight = v.tuple([v.pipe(v.number(), v.integer(), v.minValue(0)), v.pipe(v.number(), v.integer(), v.minValue(0))]);
export type SearchHighlight = v.InferOutput<typeof SearchHighlight>;

/**
 * One found message: the message in its current state (as `history` gives it: edited text,
 * reactions and thread summary folded in `state`), a snippet of its text around the match (at most
 * `Limits.maxSnippetLength`, `…` where it was cut) and where the query matched in the snippet.
 * Highlights are ranges, not markup: an app renders them as it likes, and no text is ever HTML.
 */
export const SearchHit = v.strictObject({
  conversationId: Id,
  seq: v.pipe(Seq, v.minValue(1)),
  message: MessageEvent,
  snippet: v.string(),
  highlights: v.array(SearchHighlight),
});
export type SearchHit = v.InferOutput<typeof SearchHit>;

/** The answer to `search`: one page of hits; `cursor` (absent on the last page) asks for the next. */
export const SearchResultFrame = v.strictObject({
  type: v.literal('search.result'),
  reqId: Id,
  hits: v.array(SearchHit),
  cursor: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(Limits.maxSearchCursorLength))),
});
export type SearchResultFrame = v.InferOutput<typeof SearchResultFrame>;
