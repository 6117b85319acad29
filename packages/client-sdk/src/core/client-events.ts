import { ParleyError } from '@parley/protocol';
import { isSent, type ChatState } from '../state/chat-state.js';
import { firstIndexAbove, type ConversationState } from '../state/conversation-state.js';
import { firstViewAbove } from '../state/lane-compare.js';
import type { ChatEvents, ChatSnapshot, MessageView } from '../types.js';

export type ChatEventType = keyof ChatEvents;
type Listener<K extends ChatEventType> = (event: ChatEvents[K]) => void;
/** One event, ready to hand to the listeners of its type. */
export type PendingEvent = { [K in ChatEventType]: { type: K; event: ChatEvents[K] } }[ChatEventType];

/** Listeners by event type; a throwing listener is reported and does not stop the others. */
export function createEmitter(onListenerError: (err: unknown) => void) {
  const listeners = new Map<ChatEventType, Set<(event: never) => void>>();
  return {
    on<K extends ChatEventType>(type: K, listener: Listener<K>): () => void {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      // A copy per subscription, so subscribing one function twice needs two unsubscribes.
      const entry = (event: never) => listener(event);
      set.add(entry);
      return () => void set.delete(entry);
    },
    emit(pending: PendingEvent): void {
      for (const listener of [...(listeners.get(pending.type) ?? [])]) {
        try {
          (listener as (event: typeof pending.event) => void)(pending.event);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
  };
}

/** The highest seq a conversation was known to reach: anything above it is an arrival. */
function knownTop(conv: ConversationState): number {
  return Math.max(conv.summary?.lastSeq ?? 0, conv.cursor ?? 0, conv.events[conv.events.length - 1]?.seq ?? 0);
}

/** The view of the message at `seq` in a lane (held messages first, by seq; pending ones last, without one). */
function viewAt(views: readonly MessageView[], seq: number): MessageView | undefined {
  const view = views[firstViewAbove(views, seq) - 1];
  return view?.seq === seq ? view : undefined;
}

/** A thread's replies as shown in a state (`getThread`). */
export type ThreadLookup = (conversationId: string, rootId: string) => readonly MessageView[];

function messageArrivals(before: ChatState, after: ChatState, snapshot: () => ChatSnapshot, thread: ThreadLookup, out: PendingEvent[]): void {
  if (before.conversations === after.conversations) return;
  for (const [id, conv] of after.conversations) {
    const prev = before.conversations.get(id);
    // A conversation first learned of (first sync, cache load, a tab's first state) brings its
    // history, not arrivals; older pages (loadOlder) sit below what was known.
    if (!prev || prev === conv || prev.events === conv.events) continue;
    // Held events are sorted by seq: the arrivals are at the end, found without a walk over the log.
    const arrived = conv.events.slice(firstIndexAbove(conv.events, knownTop(prev))).filter((e) => e.kind === 'message');
    if (arrived.length === 0) continue;
    for (const event of arrived) {
      // A thread reply is not in the timeline: it shows in its thread.
      const root = event.kind === 'message' ? event.data.thread?.messageId : undefined;
      const view = viewAt(root === undefined ? (snapshot().messages[id] ?? []) : thread(id, root), event.seq);
      if (view) out.push({ type: 'message', event: view });
    }
  }
}

function outboxChanges(before: ChatState, after: ChatState, out: PendingEvent[]): void {
  if (before.outbox === after.outbox) return;
  const now = new Map(after.outbox.map((e) => [e.clientMsgId, e]));
  for (const entry of before.outbox) {
    if (now.has(entry.clientMsgId)) continue;
    const stored = after.conversations.get(entry.conversationId)?.events.find(
      (e) => isSent(e) && e.clientMsgId === entry.clientMsgId && e.senderId === after.userId,
    );
    // Gone without being in the log: discarded, not acked.
    if (stored) out.push({ type: 'ack', event: { clientMsgId: entry.clientMsgId, conversationId: entry.conversationId, seq: stored.seq, id: stored.id } });
  }
  const was = new Map(before.outbox.map((e) => [e.clientMsgId, e]));
  for (const entry of after.outbox) {
    if (entry.status !== 'failed' || was.get(entry.clientMsgId)?.status === 'failed') continue;
    const error = ParleyError.fromWire(entry.error ?? { code: 5000, message: entry.change ? 'the change could not be made' : 'the message could not be sent' });
    out.push({ type: 'error', event: { error, clientMsgId: entry.clientMsgId, conversationId: entry.conversationId } });
  }
}

/**
 * The events one state change means, derived from the states themselves so that every client
 * (the full one, a leading tab, a following tab mirroring the leader's state) fires them alike,
 * once per change.
 */
export function eventsBetween(before: ChatState, after: ChatState, snapshot: () => ChatSnapshot, thread: ThreadLookup = () => []): PendingEvent[] {
  const out: PendingEvent[] = [];
  if (before.connection.status !== after.connection.status) out.push({ type: 'connection', event: after.connection });
  // Arrivals first: an own message's 'message' comes before its 'ack'.
  messageArrivals(before, after, snapshot, thread, out);
  outboxChanges(before, after, out);
  return out;
}
