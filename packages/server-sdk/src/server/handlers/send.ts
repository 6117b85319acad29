import { ErrorCode, ParleyError, type AckFrame, type MessageData, type SendFrame } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { pushStoredEvent } from '../reliable-push.js';
import { sendOrder } from '../send-order.js';
import { messageData } from '../message-content.js';

/**
 * SEND: keep the device's order, check the rate limit, membership and content (mentions of
 * members, a reply to a message of this conversation: message-content.ts), persist (the store assigns
 * seq and dedups by clientMsgId), ACK the sender, then push the event to every member
 * connection, the sender's other devices included. A duplicate is pushed again too: if a crash
 * cut the first push short, this repairs it, and clients drop what they already hold by seq.
 * Resolves with the ACK it sent.
 */
export async function handleSend(ctx: ServerContext, conn: Connection, frame: SendFrame, receivedAt = performance.now()): Promise<AckFrame> {
  let stored;
  try {
    stored = await store(ctx, conn, frame);
  } catch (err) {
    sendOrder.refused(conn, frame);
    throw err;
  }
  const { conversation, event, duplicate } = stored;
  sendOrder.stored(conn, frame);
  const ack: AckFrame = {
    type: 'ack',
    conversationId: event.conversationId,
    clientMsgId: frame.clientMsgId,
    eventId: event.id,
    seq: event.seq,
    ts: event.ts,
    duplicate,
  };
  conn.send(ack);
  ctx.metrics.sends.inc({ outcome: duplicate ? 'duplicate' : 'stored' });
  ctx.metrics.ackLatency.observe((performance.now() - receivedAt) / 1000);
  await pushStoredEvent(ctx, conversation, { type: 'event', event }, { exceptSocketId: conn.socket.id, alsoNotify: [conn.userId] });
  return ack;
}

async function store(ctx: ServerContext, conn: Connection, frame: SendFrame) {
  sendOrder.checkQueued(conn, frame);
  if (!(await ctx.sendLimiter.take(conn.userId))) {
    ctx.metrics.rateLimited.inc({ limit: 'sends' });
    throw new ParleyError(ErrorCode.RATE_LIMITED, 'too many messages, slow down');
  }
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  await sendOrder.checkStored(ctx, conn, frame);
  let data: MessageData;
  try {
    data = await messageData(ctx.store, ctx.limits, frame.conversationId, frame.data);
  } catch (err) {
    // A resend whose original is stored gets the original, even when its content would be
    // refused now (a mentioned member left since): the message is sent, never shown failed.
    const original = await ctx.store.findEvent(frame.conversationId, conn.userId, frame.clientMsgId);
    if (original) return { conversation, event: original, duplicate: true };
    throw err;
  }
  const { event, duplicate } = await ctx.store.append({
    conversationId: frame.conversationId,
    senderId: conn.userId,
    clientMsgId: frame.clientMsgId,
    ts: ctx.now(),
    kind: 'message',
    data,
  });
  return { conversation, event, duplicate };
}
