import type { ChatState } from '../state/chat-state.js';
import { memberStatuses } from '../state/receipts.js';
import { createSnapshotBuilder } from '../state/views.js';
import type { ChatClient, MessageView } from '../types.js';

/** The read side of `ChatClient`: the same for the full client and for every tab. */
export type ChatReads = Pick<ChatClient, 'subscribe' | 'getSnapshot' | 'getConversation' | 'getMessages' | 'getReceipts'>;

/** One state, the snapshot derived from it, and the listeners told when that snapshot changes. */
export interface ViewStore {
  readonly state: ChatState;
  /**
   * Takes a new state; listeners run only if the snapshot changed, after `settle` (what must
   * follow the state before anyone sees it, e.g. cache writes in commit order).
   */
  show(next: ChatState, settle?: () => void): void;
  readonly reads: ChatReads;
}

const EMPTY: readonly MessageView[] = Object.freeze([]);

/**
 * The store both clients are built on (as TanStack Query's observers share one `Subscribable`):
 * a client decides which states to show; reading them works the same everywhere.
 */
export function createViewStore(initial: ChatState): ViewStore {
  const listeners = new Set<() => void>();
  const buildSnapshot = createSnapshotBuilder();
  let state = initial;
  let snapshot = buildSnapshot(state);

  return {
    get state() {
      return state;
    },
    show(next, settle) {
      if (next === state) return;
      state = next;
      settle?.();
      // `settle` may have shown a newer state already: never go back to this one.
      const nextSnapshot = buildSnapshot(state);
      if (nextSnapshot === snapshot) return;
      snapshot = nextSnapshot;
      for (const listener of [...listeners]) listener();
    },
    reads: {
      subscribe(listener) {
        listeners.add(listener);
        return () => void listeners.delete(listener);
      },
      getSnapshot: () => snapshot,
      getConversation: (id) => snapshot.conversations.find((c) => c.id === id),
      getMessages: (id) => snapshot.messages[id] ?? EMPTY,
      // Synchronous by contract: answered from the state shown, in a following tab too.
      getReceipts(conversationId, seq) {
        const conv = state.conversations.get(conversationId);
        return conv ? memberStatuses(conv.receipts, seq, state.userId) : [];
      },
    },
  };
}
