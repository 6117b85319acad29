import * as v from 'valibot';
import { LogEvent } from '../event.js';
import { ConversationSummary } from '../conversation.js';
import { Id, Seq } from '../primitives.js';
import { Limits } from '../limits.js';

/**
 * SYNC (client → server): "I hold every event up to `seq` of these conversations". The server
 * answers with the events after each cursor (paged), the summaries of the user's conversations
 * that changed (new events, another read watermark, other receipts) or that the client did not
 * name, and the named ones the user no longer belongs to.
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
});
export type SyncFrame = v.InferOutput<typeof SyncFrame>;

/**
 * SYNC result (server → client). Events are ascending by (conversation, seq) and contiguous after
 * each cursor; for conversations the client named no cursor for, the log's tail
 * (`Limits.syncTailEvents`). `hasMore` means: send `sync` again with the advanced cursors.
 */
export const SyncResultFrame = v.strictObject({
  type: v.literal('sync.result'),
  reqId: Id,
  conversations: v.array(ConversationSummary),
  removed: v.array(Id),
  events: v.array(LogEvent),
  hasMore: v.boolean(),
});
export type SyncResultFrame = v.InferOutput<typeof SyncResultFrame>;
