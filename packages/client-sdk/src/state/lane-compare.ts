import type { OutboxEntry } from '../storage/client-storage.js';
import type { MessageView } from '../types.js';
import type { ReceiptMap, ReceiptStatus } from './receipts.js';

/** How memoized views tell whether their inputs changed. */

export function sameItems<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean = Object.is): boolean {
  return a.length === b.length && a.every((item, i) => same(item, b[i] as T));
}

/** Send bookkeeping (attempts, timers) changes entries without changing what a UI shows. */
export function sameShownEntry(a: OutboxEntry, b: OutboxEntry): boolean {
  return (
    a === b ||
    (a.clientMsgId === b.clientMsgId && a.status === b.status && a.error === b.error && a.text === b.text &&
      a.custom === b.custom && a.mentions === b.mentions && a.replyTo === b.replyTo && a.threadId === b.threadId &&
      a.change === b.change && a.attachments === b.attachments)
  );
}

/**
 * The receipts as two marks (`aggregateStatus` in closed form): an own message at seq `s` is
 * `sent` above `delivered`, `read` up to `read`, `delivered` between.
 */
export interface ReceiptMarks {
  readonly delivered: number;
  readonly read: number;
}

export function receiptMarks(receipts: ReceiptMap, userId: string | null): ReceiptMarks {
  let delivered = Number.POSITIVE_INFINITY;
  let read = Number.POSITIVE_INFINITY;
  let others = 0;
  let sharing = 0;
  for (const receipt of Object.values(receipts)) {
    if (receipt.userId === userId) continue;
    others += 1;
    delivered = Math.min(delivered, receipt.deliveredSeq);
    if (receipt.readSeq === undefined) continue;
    sharing += 1;
    read = Math.min(read, receipt.readSeq);
  }
  if (others === 0) return { delivered: 0, read: 0 };
  return { delivered, read: sharing === 0 ? 0 : Math.min(read, delivered) };
}

export const sameMarks = (a: ReceiptMarks, b: ReceiptMarks) => a.delivered === b.delivered && a.read === b.read;

export function statusAt(marks: ReceiptMarks, seq: number): ReceiptStatus {
  if (seq > marks.delivered) return 'sent';
  return seq <= marks.read ? 'read' : 'delivered';
}

/** Index of the first view with seq above `seq` in views sorted by seq (binary search). */
export function firstViewAbove(views: readonly MessageView[], seq: number): number {
  let lo = 0;
  let hi = views.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((views[mid]?.seq ?? Number.POSITIVE_INFINITY) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
