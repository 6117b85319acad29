import { useEffect, useMemo } from 'react';
import type { ChatClient, ChatSnapshot } from '@parley/client-sdk';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

/**
 * How many mounted components follow each user, per client: a user stays followed until the last
 * component showing them unmounts (the client's own subscribe/unsubscribe are not counted).
 */
/** A followed user's presence: `online`, `away` or `offline`, with `lastSeenAt`. */
export type UserPresence = ChatSnapshot['presence'][string];

const followers = new WeakMap<ChatClient, Map<string, number>>();

function follow(client: ChatClient, userIds: readonly string[]): () => void {
  const counts = followers.get(client) ?? new Map<string, number>();
  followers.set(client, counts);
  const fresh = userIds.filter((id) => (counts.get(id) ?? 0) === 0);
  for (const id of userIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  // Presence is decoration: a refused or failed subscription leaves the users without a dot.
  if (fresh.length > 0) client.subscribePresence(fresh).catch(() => undefined);
  return () => {
    const gone = userIds.filter((id) => {
      const left = (counts.get(id) ?? 1) - 1;
      if (left > 0) counts.set(id, left);
      else counts.delete(id);
      return left <= 0;
    });
    if (gone.length > 0) client.unsubscribePresence(gone);
  };
}

const NO_PRESENCE: Readonly<Record<string, UserPresence>> = Object.freeze({});

/**
 * Follows the presence of the users a component shows, while it is mounted. Only users who share
 * a conversation with the signed-in user can be followed; the others stay `undefined`.
 *
 * @example
 * const presence = usePresence([peerId]);
 * const online = presence[peerId]?.status === 'online';
 */
export function usePresence(userIds: readonly string[]): Readonly<Record<string, UserPresence | undefined>> {
  const client = useChatClient();
  // A new array every render must not resubscribe: the set of ids is what counts.
  const key = [...new Set(userIds)].sort().join('\n');
  useEffect(() => {
    if (!client || key === '') return;
    return follow(client, key.split('\n'));
  }, [client, key]);
  const all = useChatStore((s) => s.presence ?? NO_PRESENCE);
  return useMemo(() => {
    const picked: Record<string, UserPresence> = {};
    for (const id of key.split('\n')) {
      const presence = all[id];
      if (presence) picked[id] = presence;
    }
    return picked;
  }, [all, key]);
}

/**
 * Shows the user as `away` while the page is hidden (another tab, a minimized window), and
 * `online` again when it is back.
 *
 * @example
 * function ChatApp() {
 *   useAwayWhenHidden();
 *   return <Inbox />;
 * }
 */
export function useAwayWhenHidden(): void {
  const client = useChatClient();
  useEffect(() => {
    const { document } = globalThis as { document?: Document };
    if (!client || !document) return;
    const update = () => client.setAway(document.visibilityState === 'hidden');
    update();
    document.addEventListener('visibilitychange', update);
    return () => {
      document.removeEventListener('visibilitychange', update);
      client.setAway(false);
    };
  }, [client]);
}
