import * as v from 'valibot';
import { Id, Seq } from '../primitives.js';

/**
 * RECEIPT (client → server): move this device's watermarks forward. Watermarks never regress
 * and are clamped to the conversation's last seq.
 */
export const ReceiptFrame = v.strictObject({
  type: v.literal('receipt'),
  conversationId: Id,
  deliveredSeq: v.optional(Seq),
  readSeq: v.optional(Seq),
});
export type ReceiptFrame = v.InferOutput<typeof ReceiptFrame>;

/**
 * RECEIPT update (server → members): a member's watermarks moved. The member's own devices always
 * get `readSeq`; other members get it only when the member shares read receipts.
 */
export const ReceiptUpdateFrame = v.strictObject({
  type: v.literal('receipt.update'),
  conversationId: Id,
  userId: Id,
  deliveredSeq: Seq,
  readSeq: v.optional(Seq),
});
export type ReceiptUpdateFrame = v.InferOutput<typeof ReceiptUpdateFrame>;
