import type { ChatState } from '../state/chat-state.js';
import { memberStatuses } from '../state/receipts.js';
import { createSnapshotBuilder, createThreadReader } from '../state/views.js';
import { createTimelineReader } from '../state/timeline-views.js';
import type { ChatClient, MessageView } from '../types.js';
import { createEmitter, eventsBetween, type PendingEvent } from './client-events.js';

/** The read side of `ChatClient`: the same for the full client and for every tab. */
export type ChatReads = Pick<ChatClient, 'subscribe' | 'getSnapshot' | 'getConversation' | 'getMessages' | 'getTimeline' | 'getThread' | 'getReceipts' | 'on'>;

/** One state, the snapshot derived from it, and the listeners told when that snapshot changes. */
export interface ViewStore {
  readonly state: ChatState;
  /**
   * Takes a new state; listeners run only if the snapshot changed, after `settle` (what must
   * follow the state before anyone sees it, e.g. cache writes in commit order).
   */
  show(next: ChatState, settle?: () => void): void;
  /** Fires an event no state change carries (a server error that answered no request). */
  emit(event: PendingEvent): void;
  readonly reads: ChatReads;
}

const EMPTY: readonly MessageView[] = Object.freeze([]);

/**
 * The store both clients are built on (as TanStack Query's observers share one `Subscribable`):
 * a client decides which states to show; reading them works the same everywhere.
 */
export function createViewStore(initial: ChatState, onListenerError: (err: unknown) => void = () => {}): ViewStore {
  const listeners = new Set<() => void>();
  const emitter = createEmitter(onListenerError);
  // Events wait until the outermost `show` has told the snapshot listeners, so an event
  // listener reading the snapshot finds what the event is about; nested shows queue in order.
  const queue: PendingEvent[] = [];
  let showing = 0;
  const buildSnapshot = createSnapshotBuilder();
  const readThread = createThreadReader();
  const readTimeline = createTimelineReader();
  let state = initial;
  let snapshot = buildSnapshot(state);

  return {
    get state() {
      return state;
    },
    show(next, settle) {
      if (next === state) return;
      const before = state;
      state = next;
      showing += 1;
      try {
        queue.push(...eventsBetween(before, next, () => buildSnapshot(next), (id, rootId) => readThread(next, id, rootId)));
        settle?.();
        // `settle` may have shown a newer state already: never go back to this one.
        const nextSnapshot = buildSnapshot(state);
        if (nextSnapshot !== snapshot) {
          snapshot = nextSnapshot;
          for (const listener of [...listeners]) listener();
        }
      } finally {
        showing -= 1;
      }
      if (showing === 0) for (let event = queue.shift(); event; event = queue.shift()) emitter.emit(event);
    },
    emit(event) {
      queue.push(event);
      if (showing === 0) for (let next = queue.shift(); next; next = queue.shift()) emitter.emit(next);
    },
    reads: {
      subscribe(listener) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      getSnapshot: () => snapshot,
      on: (type, listener) => emitter.on(type, listener),
      getConversation: (id) => snapshot.conversations.find((c) => c.id === id),
      getMessages: (id) => snapshot.messages[id] ?? EMPTY,
      // The snapshot's messages and the held log's membership lines: one consistent picture.
      getTimeline: (id) => readTimeline(state, id, snapshot.messages[id] ?? EMPTY),
      // From the state shown, like the snapshot: the same array while nothing in the thread changed.
      getThread: (id, rootId) => readThread(state, id, rootId),
      // Synchronous by contract: answered from the state shown, in a following tab too.
      getReceipts(conversationId, seq) {
        const conv = state.conversations.get(conversationId);
        return conv ? memberStatuses(conv.receipts, seq, state.userId) : [];
      },
    },
  };
}
