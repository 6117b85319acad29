import { ErrorCode, ParleyError, type AckFrame, type LogEvent } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { Connection, ServerContext } from './context.js';
import { pushStoredEvent } from './reliable-push.js';
import { hasContent } from './message-pages.js';
import { sendOrder, type OrderedFrame } from './send-order.js';
import type { Replacement } from './hooks.js';

/** What storing a SEND or a CHANGE gave: the event (the original for a repeat) and its conversation. */
export interface Appended {
  conversation: StoredConversation;
  event: LogEvent;
  duplicate: boolean;
  /** What was stored instead of the content the device sent (the app's hook replaced it). */
  replaced?: Replacement | undefined;
}

type Content = { text?: string; custom?: Record<string, unknown> };

/**
 * The stored content when it differs from what the device sent (a hook replaced it): the ACK
 * carries it, so the sender shows what everyone else sees. Compared on every answer, repeats
 * included, so a device retrying after a lost ACK learns it too. Undefined when the same, and for
 * a message erased since (the change that erased it tells the device).
 */
export function replacedContent(sent: Content, stored: LogEvent): Replacement | undefined {
  if (stored.kind !== 'message' && stored.kind !== 'message.edited') return undefined;
  const { text, custom } = stored.data;
  if (text === undefined && custom === undefined) return undefined;
  if (text === sent.text && JSON.stringify(custom) === JSON.stringify(sent.custom)) return undefined;
  return { ...(text !== undefined ? { text } : {}), ...(custom !== undefined ? { custom } : {}) };
}

/** Content with a hook's replacement applied: the fields it gives replace the content's. */
export function withContent<T extends Content>(data: T, replacement: Replacement): T {
  return {
    ...data,
    ...(replacement.text !== undefined ? { text: replacement.text } : {}),
    ...(replacement.custom !== undefined ? { custom: replacement.custom } : {}),
  };
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
    // Lets the membership cache follow the log without a read (membership-cache.ts).
    ctx.members.observe(appended.event);
    await settle(appended);
    // Queued for webhooks before the ACK: an ACKed event is never lost to them (stored-events.ts).
    await ctx.storedEvents.stored([appended.event], appended.duplicate);
  } catch (err) {
    sendOrder.refused(conn, frame);
    throw err;
  }
  const { conversation, event, duplicate, replaced } = appended;
  sendOrder.stored(conn, frame);
  const ack: AckFrame = {
    type: 'ack',
    conversationId: event.conversationId,
    clientMsgId: frame.clientMsgId,
    eventId: event.id,
    seq: event.seq,
    ts: event.ts,
    duplicate,
    ...(replaced ? { replaced } : {}),
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
