import * as v from 'valibot';
import { LogEvent } from '../event.js';
import { Id, Seq } from '../primitives.js';
import { Limits } from '../limits.js';

/** HISTORY (client → server): the page of events before `beforeSeq` (default: the newest). */
export const HistoryFrame = v.strictObject({
  type: v.literal('history'),
  reqId: Id,
  conversationId: Id,
  beforeSeq: v.optional(v.pipe(Seq, v.minValue(1))),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Limits.maxPageSize))),
});
export type HistoryFrame = v.InferOutput<typeof HistoryFrame>;

/** HISTORY result: events ascending by seq; `hasMore` when older events exist. */
export const HistoryResultFrame = v.strictObject({
  type: v.literal('history.result'),
  reqId: Id,
  conversationId: Id,
  events: v.array(LogEvent),
  hasMore: v.boolean(),
});
export type HistoryResultFrame = v.InferOutput<typeof HistoryResultFrame>;
