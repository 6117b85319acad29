import { isUnread, type ClientFrame } from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import { firstIndexAbove, type ConversationState } from '../state/conversation-state.js';
import type { Timers } from '../core/timers.js';

export interface ReceiptSenderDeps {
  getState(): ChatState;
  /** Sends a frame if online; false when it could not be sent. */
  sendIfOnline(frame: ClientFrame): boolean;
  timers: Timers;
  /** Delivered receipts wait this long so that a burst of messages is acknowledged once. */
  deliveredDelayMs: number;
}

/** The one place the client reports its watermarks to the server. */
export interface ReceiptSender {
  /** The held logs changed: report delivered positions soon (batched). */
  conversationsChanged(): void;
  /** The user read up to `seq` (a read is a delivery too); offline, `welcomed` sends it later. */
  read(conversationId: string, seq: number): void;
  /** A connection was welcomed: report reads made while offline. */
  welcomed(): void;
  close(): void;
}

function hasUnreadFromOthers(conv: ConversationState, userId: string | null, after: number, upTo: number): boolean {
  for (let i = firstIndexAbove(conv.events, after); i < conv.events.length; i += 1) {
    const event = conv.events[i];
    if (!event || event.seq > upTo) return false;
    if (isUnread(event, userId, after)) return true;
  }
  return false;
}

export function createReceiptSender(deps: ReceiptSenderDeps): ReceiptSender {
  const { timers } = deps;
  const reported = new Map<string, number>();
  let deliveredTimer: unknown;

  function flushDelivered(): void {
    deliveredTimer = undefined;
    const state = deps.getState();
    for (const conv of state.conversations.values()) {
      if (!conv.server || conv.cursor === null) continue;
      const known = Math.max(reported.get(conv.id) ?? 0, conv.server.deliveredSeq, conv.readSeq);
      // Only messages from others are worth a receipt: the sender's own need none.
      if (conv.cursor <= known || !hasUnreadFromOthers(conv, state.userId, known, conv.cursor)) continue;
      if (deps.sendIfOnline({ type: 'receipt', conversationId: conv.id, deliveredSeq: conv.cursor })) reported.set(conv.id, conv.cursor);
    }
  }

  const read = (conversationId: string, seq: number) =>
    void deps.sendIfOnline({ type: 'receipt', conversationId, deliveredSeq: seq, readSeq: seq });

  return {
    conversationsChanged() {
      if (deliveredTimer === undefined) deliveredTimer = timers.setTimeout(flushDelivered, deps.deliveredDelayMs);
    },
    read,
    welcomed() {
      for (const conv of deps.getState().conversations.values()) {
        if (conv.server && conv.readSeq > conv.server.readSeq) read(conv.id, conv.readSeq);
      }
    },
    close() {
      if (deliveredTimer !== undefined) timers.clearTimeout(deliveredTimer);
      deliveredTimer = undefined;
    },
  };
}
