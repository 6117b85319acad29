import * as v from 'valibot';
import { Id, Seq } from './primitives.js';
import type { LogEvent } from './event.js';
import { Limits } from './limits.js';

/**
 * One member's watermarks as other members may see them. `readSeq` is absent when the member
 * turned off read receipts: their reads still clear their own unread counts, but nobody else
 * learns how far they read.
 */
export const MemberReceipt = v.strictObject({
  userId: Id,
  /** Highest seq delivered to any of the member's devices. */
  deliveredSeq: Seq,
  /** Highest seq the member read, when they share it. */
  readSeq: v.optional(Seq),
});
export type MemberReceipt = v.InferOutput<typeof MemberReceipt>;

/**
 * The one unread formula, shared by server and client: a `message` event after the reader's read
 * watermark, sent by someone else. Own messages never count.
 *
 * @example
 * const unread = events.filter((e) => isUnread(e, me, readSeq)).length;
 */
export function isUnread(event: Pick<LogEvent, 'kind' | 'seq' | 'senderId'>, userId: string | null, readSeq: number): boolean {
  return event.kind === 'message' && event.seq > readSeq && event.senderId !== userId;
}

/**
 * How many of `events` are unread for `userId` at `readSeq` (see `isUnread`).
 *
 * @example
 * countUnread(log, 'bob', summary.readSeq);
 */
export function countUnread(
  events: Iterable<Pick<LogEvent, 'kind' | 'seq' | 'senderId'>>,
  userId: string | null,
  readSeq: number,
): number {
  let count = 0;
  for (const event of events) if (isUnread(event, userId, readSeq)) count += 1;
  return count;
}

/**
 * Whether `event` is an unread message that mentions `userId`: unread (`isUnread`) and naming
 * the user in `data.mentions`. Counted apart from `unread` (`unreadMentions` in a summary).
 *
 * @example
 * const badge = events.filter((e) => isUnreadMention(e, 'bob', readSeq)).length;
 */
export function isUnreadMention(event: Pick<LogEvent, 'kind' | 'seq' | 'senderId' | 'data'>, userId: string | null, readSeq: number): boolean {
  return isUnread(event, userId, readSeq) && userId !== null && event.kind === 'message' && (event.data as { mentions?: readonly string[] }).mentions?.includes(userId) === true;
}

/**
 * The quote of a replied-to message: the start of its text, at most
 * `Limits.maxReplyPreviewLength` UTF-16 units, one fewer when the cut would halve a surrogate pair
 * (a lone half is not well-formed text and the wire refuses it); empty when it has no text. The
 * server fills `replyTo.preview` with it; a client shows a pending reply's quote with it.
 *
 * @example
 * replyPreview('x'.repeat(199) + '👋'); // 'x' × 199: the emoji does not fit whole
 */
export function replyPreview(text: string | undefined): string {
  const max = Limits.maxReplyPreviewLength;
  if (text === undefined || text.length <= max) return text ?? '';
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/**
 * The sum of the watermarks in a receipts list, as a sync cursor's `receipts` names it.
 * Watermarks only grow and a client only learns them from the server, so the client's sum equals
 * the server's exactly when it holds every member's current watermarks.
 *
 * @example
 * cursor.receipts = receiptsMark(view.receipts);
 */
export function receiptsMark(receipts: readonly MemberReceipt[]): number {
  let sum = 0;
  for (const r of receipts) sum += r.deliveredSeq + (r.readSeq ?? 0);
  return sum;
}
