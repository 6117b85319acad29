import { ErrorCode, ParleyError, type PresenceSubscribeFrame, type ReceiptFrame, type TypingFrame } from '@parley/protocol';
import { pushToUsers, requireMembership, type Connection, type ServerContext } from '../context.js';

const TYPING_TTL_MS = 5_000;

/**
 * RECEIPT: move the member's watermarks forward (the store keeps them monotonic and clamped).
 * Small conversations hear about it; large ones only the user's own devices (counts, not fan-out).
 */
export async function handleReceipt(ctx: ServerContext, conn: Connection, frame: ReceiptFrame): Promise<void> {
  const { conversation, member: before } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const update: { deliveredSeq?: number; readSeq?: number } = {};
  if (frame.deliveredSeq !== undefined) update.deliveredSeq = frame.deliveredSeq;
  if (frame.readSeq !== undefined) update.readSeq = frame.readSeq;
  const after = await ctx.store.updateWatermarks(frame.conversationId, conn.userId, update);
  if (!after || (after.deliveredSeq === before.deliveredSeq && after.readSeq === before.readSeq)) return;
  const audience =
    conversation.memberCount <= ctx.receiptFanoutMax
      ? (await ctx.store.listMembers(conversation.id)).map((m) => m.userId)
      : [conn.userId];
  pushToUsers(ctx, audience, {
    type: 'receipt.update',
    conversationId: conversation.id,
    userId: conn.userId,
    deliveredSeq: after.deliveredSeq,
    readSeq: after.readSeq,
  });
}

/** TYPING: relayed volatile to the other members; never stored, expires by itself. */
export async function handleTyping(ctx: ServerContext, conn: Connection, frame: TypingFrame): Promise<void> {
  if (!ctx.typingLimiter.take(`${conn.userId}\n${frame.conversationId}`)) return;
  await requireMembership(ctx, frame.conversationId, conn.userId);
  const others = (await ctx.store.listMembers(frame.conversationId))
    .map((m) => m.userId)
    .filter((id) => id !== conn.userId);
  if (others.length === 0) return;
  ctx.nsp
    .to(others.map((id) => `user:${id}`))
    .volatile.emit('parley', {
      type: 'typing.update',
      conversationId: frame.conversationId,
      userId: conn.userId,
      expiresInMs: TYPING_TTL_MS,
    });
}

/** PRESENCE.SUBSCRIBE: not served yet; answered with a clear error instead of silence. */
export async function handlePresenceSubscribe(
  _ctx: ServerContext,
  _conn: Connection,
  _frame: PresenceSubscribeFrame,
): Promise<void> {
  throw new ParleyError(ErrorCode.FORBIDDEN, 'presence is not enabled on this server');
}
