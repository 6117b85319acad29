import type { ChatState } from '../state/chat-state.js';
import { memberStatuses } from '../state/receipts.js';
import { createSnapshotBuilder, createThreadReader, nextMuteChange } from '../state/views.js';
import { systemTimers, type Timers } from './timers.js';
import { createTimelineReader } from '../state/timeline-views.js';
import { createWindowReader } from '../state/window-views.js';
import type { ChatClient, MessageView } from '../types.js';
import { createEmitter, eventsBetween, type PendingEvent } from './client-events.js';

/** The read side of `ChatClient`: the same for the full client and for every tab. */
export type ChatReads = Pick<
  ChatClient,
  'subscribe' | 'getSnapshot' | 'getConversation' | 'getMessages' | 'getTimeline' | 'getThread' | 'getReceipts' | 'on' | 'getBlocks' | 'isBlocked'
>;

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
  /** Stops the clock it keeps (the wake-up when a mute runs out), so a closed client holds no timer. */
  stop(): void;
  /** Runs the clock again (a closed client connected again). */
  start(): void;
  readonly reads: ChatReads;
}

const EMPTY: readonly MessageView[] = Object.freeze([]);

/**
 * The store both clients are built on (as TanStack Query's observers share one `Subscribable`):
 * a client decides which states to show; reading them works the same everywhere.
 */
export function createViewStore(
  initial: ChatState,
  onListenerError: (err: unknown) => void = () => {},
  timers: Timers = systemTimers,
): ViewStore {
  const listeners = new Set<() => void>();
  const emitter = createEmitter(onListenerError);
  // Events wait until the outermost `show` has told the snapshot listeners, so an event
  // listener reading the snapshot finds what the event is about; nested shows queue in order.
  const queue: PendingEvent[] = [];
  let showing = 0;
  const buildSnapshot = createSnapshotBuilder(() => timers.now());
  const readThread = createThreadReader();
  const readTimeline = createTimelineReader();
  const readWindow = createWindowReader();
  let state = initial;
  let snapshot = buildSnapshot(state);
  let stopped = false;
  let wake: { at: number; handle: unknown } | null = null;

  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  /**
   * A conversation's `muted` flips when its `mutedUntil` passes, with no state change to show it:
   * wake up then and show the snapshot rebuilt at that time.
   */
  const scheduleWake = () => {
    const at = stopped ? undefined : nextMuteChange(state, timers.now());
    if (wake && wake.at === at) return;
    if (wake) timers.clearTimeout(wake.handle);
    wake = null;
    if (at === undefined) return;
    const handle = timers.setTimeout(() => {
      wake = null;
      const next = buildSnapshot(state);
      if (next !== snapshot) {
        snapshot = next;
        notify();
      }
      scheduleWake();
    }, Math.max(0, at - timers.now()));
    wake = { at, handle };
  };
  scheduleWake();

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
          notify();
        }
      } finally {
        showing -= 1;
      }
      scheduleWake();
      if (showing === 0) for (let event = queue.shift(); event; event = queue.shift()) emitter.emit(event);
    },
    stop() {
      stopped = true;
      scheduleWake();
    },
    start() {
      stopped = false;
      scheduleWake();
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
      getBlocks: () => snapshot.blocks,
      isBlocked: (userId) => snapshot.blocks.includes(userId),
      // A window the user jumped to (`loadAround`) shows instead of the newest messages while it is open.
      getTimeline: (id) => readWindow(state, id) ?? readTimeline(state, id, snapshot.messages[id] ?? EMPTY),
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
