import type { ReceiptFrame, ReceiptUpdateFrame } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { pushToUsers } from '../fanout.js';

/**
 * RECEIPT: move this device's watermarks forward, and the member's with them (the store keeps
 * both monotonic and clamped). The user's own devices always hear of it, so a read on one clears
 * the unread count on the others. Other members of small conversations hear of it too, without
 * `readSeq` if the user turned read receipts off; large conversations keep counts, not fan-out.
 */
export async function handleReceipt(ctx: ServerContext, conn: Connection, frame: ReceiptFrame): Promise<void> {
  const { conversation, member: before } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const update: { deliveredSeq?: number; readSeq?: number } = {};
  if (frame.deliveredSeq !== undefined) update.deliveredSeq = frame.deliveredSeq;
  if (frame.readSeq !== undefined) update.readSeq = frame.readSeq;
  const after = await ctx.store.updateDeviceWatermarks(frame.conversationId, conn.userId, conn.deviceId, update, ctx.now());
  if (!after) return;
  const { member } = after;
  const deliveredMoved = member.deliveredSeq !== before.deliveredSeq;
  const readMoved = member.readSeq !== before.readSeq;
  if (!deliveredMoved && !readMoved) return;
  const full: ReceiptUpdateFrame = {
    type: 'receipt.update',
    conversationId: conversation.id,
    userId: conn.userId,
    deliveredSeq: member.deliveredSeq,
    readSeq: member.readSeq,
  };
  pushToUsers(ctx, [conn.userId], full);
  if (conversation.memberCount > ctx.receiptFanoutMax) return;
  const [members, settings] = await Promise.all([
    ctx.store.listMembers(conversation.id),
    ctx.store.getUserSettings([conn.userId]),
  ]);
  const sharesReads = settings.get(conn.userId)?.readReceipts !== false;
  if (!sharesReads && !deliveredMoved) return;
  const others = members.map((m) => m.userId).filter((id) => id !== conn.userId);
  const { readSeq, ...withoutRead } = full;
  void readSeq;
  pushToUsers(ctx, others, sharesReads ? full : withoutRead);
}
