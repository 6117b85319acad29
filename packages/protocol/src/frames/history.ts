import * as v from 'valibot';
import { LogEvent } from '../event.js';
import { Id, Seq } from '../primitives.js';
import { Limits } from '../limits.js';

/**
 * HISTORY (client → server): the page of the main timeline before `beforeSeq` (default: the
 * newest): its messages in their current state and its membership events, `limit` of them; with
 * `threadId`, the replies of that thread instead. Changes (edits, deletes, reactions) are not
 * listed: they are folded into the messages' `state`.
 *
 * With `aroundSeq` instead of `beforeSeq` (protocol 9): a window centred on that seq, `limit`
 * events of the lane with about half before it and half after (fewer on a side that ends), for
 * jumping to a search hit, a quoted message or the first unread. BAD_FRAME with both.
 */
export const HistoryFrame = v.strictObject({
  type: v.literal('history'),
  reqId: Id,
  conversationId: Id,
  threadId: v.optional(Id),
  beforeSeq: v.optional(v.pipe(Seq, v.minValue(1))),
  aroundSeq: v.optional(v.pipe(Seq, v.minValue(1))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Limits.maxPageSize))),
});
export type HistoryFrame = v.InferOutput<typeof HistoryFrame>;

/**
 * HISTORY result: events ascending by seq, messages with their `state`; `hasMore` when older ones
 * exist. The page holds every event of its lane (timeline or thread) from its first seq up to
 * `beforeSeq`; seqs in between that it does not list are changes or other lanes' events. An
 * `aroundSeq` page holds every event of its lane from its first seq to its last, and says with
 * `hasNewer` whether the lane goes on after it (its newest event is not in the page).
 */
export const HistoryResultFrame = v.strictObject({
  type: v.literal('history.result'),
  reqId: Id,
  conversationId: Id,
  threadId: v.optional(Id),
  events: v.array(LogEvent),
  hasMore: v.boolean(),
  hasNewer: v.optional(v.boolean()),
});
export type HistoryResultFrame = v.InferOutput<typeof HistoryResultFrame>;
