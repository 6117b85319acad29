import { receiptsMark, type ConversationSummary, type MemberReceipt } from '@parley/protocol';

/** What the sender sees of one of its messages: stored, on every member's device, read by them. */
export type ReceiptStatus = 'sent' | 'delivered' | 'read';

/** Members' watermarks as this user sees them, by user id. Immutable. */
export type ReceiptMap = Readonly<Record<string, MemberReceipt>>;

export const NO_RECEIPTS: ReceiptMap = Object.freeze({});

/** One member's receipt for one message. */
export interface MemberReceiptStatus {
  readonly userId: string;
  readonly status: ReceiptStatus;
}

function higher(a: MemberReceipt | undefined, b: MemberReceipt): MemberReceipt {
  if (!a) return b;
  const readSeq = Math.max(a.readSeq ?? 0, b.readSeq ?? 0);
  const merged: MemberReceipt = { userId: b.userId, deliveredSeq: Math.max(a.deliveredSeq, b.deliveredSeq, readSeq) };
  if (a.readSeq !== undefined || b.readSeq !== undefined) merged.readSeq = readSeq;
  return merged.deliveredSeq === a.deliveredSeq && merged.readSeq === a.readSeq ? a : merged;
}

/** A summary's receipts; summaries cached by a client older than protocol 2 have none. */
export function summaryReceipts(summary: ConversationSummary): readonly MemberReceipt[] {
  return (summary.receipts as readonly MemberReceipt[] | undefined) ?? [];
}

/**
 * Takes a summary's receipts: its members only, each watermark the higher of the held and the
 * summary's (a live update may have overtaken the summary on the way).
 */
export function mergeSummaryReceipts(held: ReceiptMap, summary: ConversationSummary): ReceiptMap {
  const next: Record<string, MemberReceipt> = {};
  const receipts = summaryReceipts(summary);
  let changed = Object.keys(held).length !== receipts.length;
  for (const receipt of receipts) {
    const merged = higher(held[receipt.userId], receipt);
    next[receipt.userId] = merged;
    if (merged !== held[receipt.userId]) changed = true;
  }
  return changed ? Object.freeze(next) : held;
}

/** A live `receipt.update`: one member's watermarks moved (never back). */
export function applyReceiptUpdate(held: ReceiptMap, receipt: MemberReceipt): ReceiptMap {
  const merged = higher(held[receipt.userId], receipt);
  return merged === held[receipt.userId] ? held : Object.freeze({ ...held, [receipt.userId]: merged });
}

/** The value a sync cursor names so the server can tell whether these receipts are current. */
export function receiptsCursor(held: ReceiptMap): number {
  return receiptsMark(Object.values(held));
}

function statusOf(receipt: MemberReceipt, seq: number): ReceiptStatus {
  if (receipt.readSeq !== undefined && receipt.readSeq >= seq) return 'read';
  return receipt.deliveredSeq >= seq ? 'delivered' : 'sent';
}

/** Each other member's status for the message at `seq`, by user id. */
export function memberStatuses(held: ReceiptMap, seq: number, senderId: string | null): MemberReceiptStatus[] {
  return Object.values(held)
    .filter((r) => r.userId !== senderId)
    .map((r) => ({ userId: r.userId, status: statusOf(r, seq) }))
    .sort((a, b) => (a.userId < b.userId ? -1 : 1));
}

/**
 * The aggregate a sender sees: `read` once every other member who shares read receipts read it
 * (and everyone has it), `delivered` once every other member has it, else `sent`. Conversations
 * without receipts (large ones) stay `sent`.
 */
export function aggregateStatus(held: ReceiptMap, seq: number, senderId: string | null): ReceiptStatus {
  const others = Object.values(held).filter((r) => r.userId !== senderId);
  if (others.length === 0) return 'sent';
  if (!others.every((r) => r.deliveredSeq >= seq)) return 'sent';
  const sharing = others.filter((r) => r.readSeq !== undefined);
  return sharing.length > 0 && sharing.every((r) => (r.readSeq ?? 0) >= seq) ? 'read' : 'delivered';
}
