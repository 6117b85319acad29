import { ErrorCode, ParleyError, type AckFrame, type LogEvent } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { Connection, ServerContext } from './context.js';
import { pushStoredEvent } from './reliable-push.js';
import { hasContent } from './message-pages.js';
import { sendOrder, type OrderedFrame } from './send-order.js';

/** What storing a SEND or a CHANGE gave: the event (the original for a repeat) and its conversation. */
export interface Appended {
  conversation: StoredConversation;
  event: LogEvent;
  duplicate: boolean;
}

/**
 * The path every device write takes (SEND and CHANGE): the device's order around `append`
 * (refused or stored, see send-order.ts), then, only once the event is durable and `settle` is
 * done with it, the ACK to the sender and the push to every member connection, the sender's
 * other devices included. A duplicate is pushed again too: if a crash cut the first push short,
 * this repairs it, and clients drop what they already hold by seq (unless its content was erased
 * since: see below). Resolves with the ACK.
 */
export async function appendInOrder(
  ctx: ServerContext,
  conn: Connection,
  frame: OrderedFrame,
  receivedAt: number,
  append: () => Promise<Appended>,
  settle: (appended: Appended) => Promise<void> = async () => undefined,
): Promise<AckFrame> {
  let appended: Appended;
  try {
    appended = await append();
    await settle(appended);
    // Queued for webhooks before the ACK: an ACKed event is never lost to them (stored-events.ts).
    await ctx.storedEvents.stored([appended.event], appended.duplicate);
  } catch (err) {
    sendOrder.refused(conn, frame);
    throw err;
  }
  const { conversation, event, duplicate } = appended;
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
  // A repeated message whose content was erased since (edited or deleted) is not pushed again: a
  // protocol-4 app cannot apply the change that holds its content, and would keep it empty. The
  // change that erased it was stored after it and pushed, so whoever missed the message sees a
  // seq gap and fills it by sync, where each version gets it in a form it can show.
  if (!(duplicate && event.kind === 'message' && !hasContent(event))) {
    await pushStoredEvent(ctx, conversation, { type: 'event', event }, { exceptSocketId: conn.socket.id, alsoNotify: [conn.userId] });
  }
  return ack;
}

/**
 * What a device write must pass before anything is read: its place in the device's order (one
 * queued behind a refused write is refused at once) and the user's send rate.
 */
export async function admitWrite(ctx: ServerContext, conn: Connection, frame: OrderedFrame): Promise<void> {
  sendOrder.checkQueued(conn, frame);
  if (!(await ctx.sendLimiter.take(conn.userId))) {
    ctx.metrics.rateLimited.inc({ limit: 'sends' });
    throw new ParleyError(ErrorCode.RATE_LIMITED, 'too many messages, slow down');
  }
}
