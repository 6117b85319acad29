import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useChatClient, useChatStore } from '@parley/client-sdk/react';

const NO_REPLIES: readonly MessageView[] = Object.freeze([]);

export interface ThreadState {
  /** The replies the client holds, oldest first, then the user's own pending ones. */
  replies: readonly MessageView[];
  /** Whether older replies exist on the server than those held. */
  hasMore: boolean;
  loading: boolean;
  error: Error | null;
  loadMore(): void;
}

/**
 * One thread's replies: the newest page is fetched when the thread opens, older ones on demand.
 * Replies pushed while it is open show by themselves (`getThread` follows the client's state).
 */
export function useThread(conversationId: string, rootId: string): ThreadState {
  const chat = useChatClient();
  // getThread returns the same array while nothing in the thread changed: safe for the store hook.
  const replies = useChatStore((_, client) => client?.getThread(conversationId, rootId) ?? NO_REPLIES);
  const [page, setPage] = useState({ hasMore: false, loading: true, error: null as Error | null });
  const busy = useRef(false);

  const loadMore = useCallback(() => {
    if (!chat || busy.current) return;
    busy.current = true;
    setPage((p) => ({ ...p, loading: true, error: null }));
    chat.loadThread(conversationId, rootId, 30).then(
      ({ hasMore }) => setPage({ hasMore, loading: false, error: null }),
      (err: unknown) => setPage((p) => ({ ...p, loading: false, error: err instanceof Error ? err : new Error(String(err)) })),
    ).finally(() => {
      busy.current = false;
    });
  }, [chat, conversationId, rootId]);

  useEffect(loadMore, [loadMore]);
  return { replies, ...page, loadMore };
}
