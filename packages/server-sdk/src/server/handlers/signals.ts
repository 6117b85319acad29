import type { ReceiptFrame, ReceiptUpdateFrame, SettingsFrame, TypingFrame } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { pushToConversation, pushToUsers } from '../fanout.js';

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

/** TYPING: relayed volatile to the other members; never stored, expires by itself. */
export async function handleTyping(ctx: ServerContext, conn: Connection, frame: TypingFrame): Promise<void> {
  if (!(await ctx.typingLimiter.take(`${conn.userId}\n${frame.conversationId}`))) return;
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const update = { type: 'typing.update', conversationId: conversation.id, userId: conn.userId, expiresInMs: ctx.typingTtlMs } as const;
  // Same audience rule as messages: in large conversations only watchers see who is typing.
  await pushToConversation(ctx, conversation, update, { exceptUserId: conn.userId, volatile: true });
}

/**
 * SETTINGS: read or change the user's privacy settings. The answer goes to the asking connection,
 * the change to the user's other devices; presence subscribers see a presence change at once.
 */
export async function handleSettings(ctx: ServerContext, conn: Connection, frame: SettingsFrame): Promise<void> {
  const patch: { readReceipts?: boolean; presence?: boolean; lastSeen?: boolean } = {};
  if (frame.readReceipts !== undefined) patch.readReceipts = frame.readReceipts;
  if (frame.presence !== undefined) patch.presence = frame.presence;
  if (frame.lastSeen !== undefined) patch.lastSeen = frame.lastSeen;
  if (Object.keys(patch).length === 0) {
    const settings = (await ctx.store.getUserSettings([conn.userId])).get(conn.userId)!;
    conn.send({ type: 'settings.result', reqId: frame.reqId, settings });
    return;
  }
  const settings = await ctx.store.updateUserSettings(conn.userId, patch);
  conn.send({ type: 'settings.result', reqId: frame.reqId, settings });
  pushToUsers(ctx, [conn.userId], { type: 'settings.result', settings }, conn.socket.id);
  if (patch.presence !== undefined || patch.lastSeen !== undefined) await ctx.presence.settingsChanged(conn.userId);
}
