import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { ChatClient, MessageView } from '@parley/client-sdk';
import { useChatClient } from './context.js';

const NO_MESSAGES: readonly MessageView[] = Object.freeze([]);
const noSubscription = () => () => {};

export interface ThreadState {
  /** The root message as the timeline shows it (with `replyCount`), once held. */
  readonly root: MessageView | undefined;
  /** Its replies by seq, then the user's pending ones. */
  readonly replies: readonly MessageView[];
  /** Whether older replies exist on the server than the oldest one shown. */
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  /** Why the last page failed (`loadOlder` can simply be called again). */
  readonly error: Error | null;
  /** Fetches the page of replies before the oldest one shown; a no-op while one is loading. */
  loadOlder(): Promise<void>;
}

const findRoot = (client: ChatClient | null, conversationId: string | null | undefined, rootId: string | null | undefined) =>
  client && conversationId && rootId ? client.getMessages(conversationId).find((m) => m.id === rootId) : undefined;

/**
 * One thread: its root, its replies, and paging back through them. The newest page loads when the
 * thread opens; reply into it with `useSendMessage(conversationId).send(text, { threadId: rootId })`.
 *
 * @example
 * const { root, replies, hasOlder, loadOlder } = useThread(conversationId, rootId);
 */
export function useThread(conversationId: string | null | undefined, rootId: string | null | undefined, options: { pageSize?: number } = {}): ThreadState {
  const client = useChatClient();
  const subscribe = useCallback((onChange: () => void) => (client ? client.subscribe(onChange) : noSubscription()), [client]);
  const replies = useSyncExternalStore(
    subscribe,
    () => (client && conversationId && rootId ? client.getThread(conversationId, rootId) : NO_MESSAGES),
    () => NO_MESSAGES,
  );
  const root = useSyncExternalStore(subscribe, () => findRoot(client, conversationId, rootId), () => undefined);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  /** The server said no older page exists (for this thread). */
  const [exhausted, setExhausted] = useState<string | null>(null);
  const inFlight = useRef<{ key: string; done: Promise<void> } | null>(null);
  const key = `${conversationId ?? ''}\n${rootId ?? ''}`;
  const current = useRef(key);
  current.current = key;
  const { pageSize } = options;

  const held = replies.filter((m) => m.status === 'sent').length;
  const hasOlder = exhausted !== key && (root === undefined || root.replyCount > held);

  const loadOlder = useCallback(async () => {
    if (!client || !conversationId || !rootId) return;
    if (inFlight.current?.key === key) return inFlight.current.done;
    if (exhausted === key) return;
    setLoadingOlder(true);
    setError(null);
    const done = client.loadThread(conversationId, rootId, pageSize).then(
      ({ hasMore }) => {
        if (!hasMore && current.current === key) setExhausted(key);
      },
      (err: unknown) => {
        if (current.current === key) setError(err instanceof Error ? err : new Error(String(err)));
      },
    ).finally(() => {
      if (inFlight.current?.done === done) inFlight.current = null;
      if (current.current === key) setLoadingOlder(false);
    });
    inFlight.current = { key, done };
    return done;
  }, [client, conversationId, rootId, key, pageSize, exhausted]);

  // The newest page when the thread opens (on screen = watched, like useMessages).
  useEffect(() => {
    setError(null);
    setLoadingOlder(false);
    if (!client || !conversationId || !rootId) return;
    client.watch([conversationId]);
    void loadOlder();
    return () => client.unwatch([conversationId]);
    // Once per thread opened, not per page: `loadOlder` is left out of the dependencies on purpose.
  }, [client, conversationId, rootId]);

  return { root, replies, hasOlder, loadingOlder, error, loadOlder };
}
