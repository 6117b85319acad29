import { ErrorCode, ParleyError, type AckFrame, type LogEvent, type MessageData, type SendFrame } from '@parley/protocol';
import { requireMember, type Connection, type ServerContext } from '../context.js';
import { sendOrder } from '../send-order.js';
import { messageData } from '../message-content.js';
import { admitWrite, appendInOrder, replacedContent, withContent } from '../ordered-append.js';
import { refuseBlockedDirect } from '../blocks.js';

/**
 * SEND: keep the device's order, check the rate limit, membership and content (mentions of
 * members, a reply to a message of this conversation, a thread root: message-content.ts), the
 * app's `beforeSend` hook (hooks.ts), persist
 * (the store assigns seq and dedups by clientMsgId), ACK the sender, then push the event to every
 * member connection (ordered-append.ts). Resolves with the ACK it sent.
 */
export function handleSend(ctx: ServerContext, conn: Connection, frame: SendFrame, receivedAt = performance.now()): Promise<AckFrame> {
  return appendInOrder(ctx, conn, frame, receivedAt, () => store(ctx, conn, frame));
}

async function store(ctx: ServerContext, conn: Connection, frame: SendFrame) {
  await admitWrite(ctx, conn, frame);
  const { conversation, member } = await requireMember(ctx, frame.conversationId, conn.userId);
  await sendOrder.checkStored(ctx, conn, frame);
  // Two users who block each other write nothing in their direct conversation (blocks.ts); groups read no blocks.
  await refuseBlockedDirect(ctx, conversation, conn.userId, frame.clientMsgId);
  let data: MessageData;
  try {
    data = await messageData(ctx.store, ctx.limits, frame.conversationId, frame.data);
    // Files: the sender's finished uploads in this conversation (attachments.ts), claimed for this send.
    if (frame.data.attachments) data = { ...data, attachments: await claimAttachments(ctx, conn.userId, frame) };
  } catch (err) {
    // A resend whose original is stored gets the original, even when its content would be
    // refused now (a mentioned member left since): the message is sent, never shown failed.
    const original = await ctx.store.findEvent(frame.conversationId, conn.userId, frame.clientMsgId);
    if (original) return { conversation, event: original, duplicate: true, replaced: replacedBy(ctx, frame, original) };
    throw err;
  }
  if (ctx.hooks.hasBeforeSend || ctx.slowMode.applies(conversation, member)) {
    // A repeat of a stored message gets its original (and what replaced its content, if
    // anything did): slow mode counted it, and the app's rules ran on it, once already.
    const original = await ctx.store.findEvent(frame.conversationId, conn.userId, frame.clientMsgId);
    if (original) return { conversation, event: original, duplicate: true, replaced: replacedBy(ctx, frame, original) };
    await ctx.slowMode.admit(conversation, member);
    const replacement = await ctx.hooks.beforeSend({ userId: conn.userId, deviceId: conn.deviceId, conversation, clientMsgId: frame.clientMsgId, data });
    if (replacement) data = withContent(data, replacement);
  }
  const { event, duplicate } = await ctx.store.append({
    conversationId: frame.conversationId,
    senderId: conn.userId,
    clientMsgId: frame.clientMsgId,
    ts: ctx.now(),
    kind: 'message',
    data,
  });
  // Held by the stored message before anyone hears of it; a repeat (the node died here) repairs it.
  if (event.kind === 'message') await ctx.attachments?.attach(frame.conversationId, frame.clientMsgId, event.id, event.data.attachments);
  return { conversation, event, duplicate, replaced: replacedBy(ctx, frame, event) };
}

function claimAttachments(ctx: ServerContext, userId: string, frame: SendFrame) {
  if (!ctx.attachments) throw new ParleyError(ErrorCode.FORBIDDEN, 'this server takes no files');
  return ctx.attachments.claim(frame.conversationId, userId, frame.clientMsgId, frame.data.attachments ?? []);
}

/** What a hook stored instead of the sent content; without a `beforeSend` hook nothing can be (no comparison on the send path). */
function replacedBy(ctx: ServerContext, frame: SendFrame, stored: LogEvent) {
  return ctx.hooks.hasBeforeSend ? replacedContent(frame.data, stored) : undefined;
}
