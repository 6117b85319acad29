import { ErrorCode, ParleyError, type AckFrame, type SendFrame } from '@parley/protocol';

/** What the order rule reads of a frame: a SEND, or a CHANGE (which rides the same chain). */
export type OrderedFrame = Pick<SendFrame, 'conversationId' | 'clientMsgId' | 'after'>;
import type { Connection, ServerContext } from './context.js';

/** What one connection knows about its own sends to one conversation. */
interface Lane {
  /** The clientMsgId this connection stored (or found stored) last. */
  lastStored?: string;
  /** clientMsgIds refused on this connection and not stored since. */
  refused: Set<string>;
  /** Sends queued or being handled on this connection right now, by clientMsgId: their answer. */
  inFlight: Map<string, Promise<AckFrame>>;
}

/** A lane's refused set is only a shortcut; past this size it starts over (the store decides). */
const MAX_REFUSED = 1_000;

const lanes = new WeakMap<Connection, Map<string, Lane>>();

function laneOf(conn: Connection, conversationId: string): Lane {
  let byConversation = lanes.get(conn);
  if (!byConversation) lanes.set(conn, (byConversation = new Map()));
  let lane = byConversation.get(conversationId);
  if (!lane) byConversation.set(conversationId, (lane = { refused: new Set(), inFlight: new Map() }));
  return lane;
}

const outOfOrder = () =>
  new ParleyError(ErrorCode.OUT_OF_ORDER, 'an earlier message of this device is not stored yet: send it first');

/**
 * Per-device send order (the idempotent-producer rule). A SEND names in `after` the device's
 * previous unacknowledged message in the conversation; it is stored only after that one. A device
 * pipelines its sends, so when one is refused (rate limit, store blip), those behind it on the
 * wire are refused too, with the retryable OUT_OF_ORDER, and the device resends them in order.
 *
 * The store is the truth (`findEvent`); what this connection itself just stored or refused
 * answers the common cases without a store read, and without spending a rate-limit token on a
 * send that cannot be stored yet.
 */
export const sendOrder = {
  /**
   * The answer of a copy of this send still queued on this connection, if there is one: a client
   * resending after its ack timeout while a slow store works through a backlog gets the first
   * copy's answer again, instead of queueing a second store call behind the first.
   */
  pending(conn: Connection, frame: OrderedFrame): Promise<AckFrame> | undefined {
    return laneOf(conn, frame.conversationId).inFlight.get(frame.clientMsgId);
  },

  /** Remembers a send's answer until it settles. */
  track(conn: Connection, frame: OrderedFrame, answer: Promise<AckFrame>): void {
    const { inFlight } = laneOf(conn, frame.conversationId);
    inFlight.set(frame.clientMsgId, answer);
    const forget = () => void inFlight.delete(frame.clientMsgId);
    answer.then(forget, forget);
  },

  /** Refuses at once a send queued behind one this connection refused. */
  checkQueued(conn: Connection, frame: OrderedFrame): void {
    if (frame.after !== undefined && laneOf(conn, frame.conversationId).refused.has(frame.after)) throw outOfOrder();
  },

  /** Refuses a send whose predecessor is not stored (asks the store unless this connection knows). */
  async checkStored(ctx: ServerContext, conn: Connection, frame: OrderedFrame): Promise<void> {
    const { after } = frame;
    if (after === undefined || laneOf(conn, frame.conversationId).lastStored === after) return;
    if (!(await ctx.store.findEvent(frame.conversationId, conn.userId, after))) throw outOfOrder();
  },

  stored(conn: Connection, frame: OrderedFrame): void {
    const lane = laneOf(conn, frame.conversationId);
    lane.lastStored = frame.clientMsgId;
    lane.refused.delete(frame.clientMsgId);
  },

  refused(conn: Connection, frame: OrderedFrame): void {
    const lane = laneOf(conn, frame.conversationId);
    if (lane.refused.size >= MAX_REFUSED) lane.refused.clear();
    lane.refused.add(frame.clientMsgId);
  },
};
