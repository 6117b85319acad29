import { useEffect, useState, type DependencyList } from 'react';
import type { ChatClient } from '@parley/client-sdk';

/**
 * Creates a client when the component mounts and closes it when it unmounts (or when `deps`
 * change), so the component owns exactly one live connection. `null` until then, and always on
 * the server: nothing is created during rendering, so server rendering opens no socket and
 * StrictMode's double mount closes the first client before making the second (each client is
 * closed exactly once).
 *
 * Pass `autoConnect: false` or not: the hook calls `connect()` itself after creating it.
 *
 * @example
 * function Chat({ userId }: { userId: string }) {
 *   const chat = useCreateChatClient(() => createChatClient({ url, getToken: () => tokenFor(userId) }), [userId]);
 *   return <ParleyProvider client={chat}><Inbox /></ParleyProvider>;
 * }
 */
export function useCreateChatClient(create: () => ChatClient, deps: DependencyList): ChatClient | null {
  const [client, setClient] = useState<ChatClient | null>(null);
  useEffect(() => {
    const created = create();
    created.connect();
    setClient(created);
    return () => {
      void created.close();
      setClient((current) => (current === created ? null : current));
    };
    // `create` is a fresh closure every render; `deps` says when a new client is wanted.
  }, deps);
  return client;
}
