import * as v from 'valibot';
import { LogEvent } from '../event.js';
import { ConversationCursor, ConversationSummary } from '../conversation.js';
import { Id, Seq } from '../primitives.js';
import { Limits } from '../limits.js';

/**
 * SYNC (client → server): "I hold every event up to `seq` of these conversations". The server
 * answers with the events after each cursor (paged), the summaries of the named conversations
 * that changed (new events, another read watermark, other receipts), the named ones the user no
 * longer belongs to and, unless `only`, one page of the user's conversation list (newest activity
 * first, resuming `after`): the summary and tail of each one the client did not name.
 */
export const SyncFrame = v.strictObject({
  type: v.literal('sync'),
  reqId: Id,
  cursors: v.pipe(
    v.array(
      v.strictObject({
        conversationId: Id,
        seq: Seq,
        /** The read watermark the client holds: a different one on the server returns the summary. */
        readSeq: v.optional(Seq),
        /** `receiptsMark()` of the receipts the client holds: a different sum returns the summary. */
        receipts: v.optional(Seq),
      }),
    ),
    v.maxLength(Limits.maxCursorsPerSync),
  ),
  /** When true, answer only for the named conversations (gap fill); no summaries of others. */
  only: v.optional(v.boolean()),
  /** Where the walk over the user's conversation list resumes (the last answer's `next`); absent: from the newest. */
  after: v.optional(ConversationCursor),
});
export type SyncFrame = v.InferOutput<typeof SyncFrame>;

/**
 * SYNC result (server → client). Events are ascending by (conversation, seq) and contiguous after
 * each cursor; for conversations the client named no cursor for, the tail of the main timeline
 * (its last `Limits.syncTailEvents` messages and membership events, messages with their `state`
 * as of the summary's `lastSeq`, which is where the client's position starts), always in the
 * same page as their summary. At most
 * `Limits.maxSyncSummaries` summaries per page. `hasMore` means: send `sync` again with the
 * advanced cursors and `after: next`.
 */
export const SyncResultFrame = v.strictObject({
  type: v.literal('sync.result'),
  reqId: Id,
  conversations: v.array(ConversationSummary),
  removed: v.array(Id),
  events: v.array(LogEvent),
  hasMore: v.boolean(),
  /** How far the walk over the user's conversation list got: send it back as `after`. Absent before the first step. */
  next: v.optional(ConversationCursor),
});
export type SyncResultFrame = v.InferOutput<typeof SyncResultFrame>;
