import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

const NO_MESSAGES: readonly MessageView[] = Object.freeze([]);

export interface MessagesState {
  /** Confirmed messages by seq, then the user's own pending and failed ones. */
  readonly messages: readonly MessageView[];
  /** Whether older messages exist on the server than the oldest one shown. */
  readonly hasOlder: boolean;
  /** A `loadOlder` page is on its way. */
  readonly loadingOlder: boolean;
  /** Why the last `loadOlder` failed (it can simply be called again). */
  readonly error: Error | null;
  /** Fetches the page before the oldest loaded message; a no-op while one is loading or none is left. */
  loadOlder(): Promise<void>;
}

/**
 * One conversation's messages, with paging back through history for infinite scroll.
 *
 * @example
 * const { messages, hasOlder, loadOlder } = useMessages(conversationId);
 * const onScroll = (e: UIEvent<HTMLElement>) => e.currentTarget.scrollTop < 200 && hasOlder && loadOlder();
 */
export function useMessages(conversationId: string | null | undefined, options: { pageSize?: number } = {}): MessagesState {
  const client = useChatClient();
  const messages = useChatStore((s) => (conversationId ? s.messages[conversationId] : undefined) ?? NO_MESSAGES);
  const hasOlder = useChatStore((s) => s.conversations.find((c) => c.id === conversationId)?.hasOlder ?? false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  // The page in flight, per conversation: a scroll handler fires many times while one is loading.
  const inFlight = useRef<{ conversationId: string; done: Promise<void> } | null>(null);
  const current = useRef(conversationId);
  current.current = conversationId;
  const { pageSize } = options;

  useEffect(() => {
    setLoadingOlder(false);
    setError(null);
  }, [conversationId, client]);

  // On screen = watched: large conversations push live only to watchers.
  useEffect(() => {
    if (!client || !conversationId) return;
    client.watch([conversationId]);
    return () => client.unwatch([conversationId]);
  }, [client, conversationId]);

  const loadOlder = useCallback(async () => {
    if (!client || !conversationId) return;
    if (inFlight.current?.conversationId === conversationId) return inFlight.current.done;
    if (client.getConversation(conversationId)?.hasOlder === false) return;
    setLoadingOlder(true);
    setError(null);
    const done = client.loadOlder(conversationId, pageSize).then(
      () => undefined,
      (err: unknown) => {
        // A page for a conversation the user has left the screen of is no one's business.
        if (current.current === conversationId) setError(err instanceof Error ? err : new Error(String(err)));
      },
    ).finally(() => {
      if (inFlight.current?.done === done) inFlight.current = null;
      if (current.current === conversationId) setLoadingOlder(false);
    });
    inFlight.current = { conversationId, done };
    return done;
  }, [client, conversationId, pageSize]);

  return { messages, hasOlder, loadingOlder, error, loadOlder };
}
