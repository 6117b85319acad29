import { useCallback, useSyncExternalStore } from 'react';
import type { ChatClient, ChatSnapshot } from '@parley/client-sdk';
import { useChatClient } from './context.js';

/**
 * What the server renders, and what the browser shows while hydrating: an idle chat with nothing
 * in it. The same constant on both sides, so hydration never mismatches whatever the client has
 * already loaded from its cache; React re-renders with the live snapshot right after.
 */
export const SERVER_SNAPSHOT: ChatSnapshot = Object.freeze({
  connection: Object.freeze({ status: 'idle', attempt: 0 }),
  userId: null,
  conversations: Object.freeze([]),
  messages: Object.freeze({}),
  typing: Object.freeze({}),
  presence: Object.freeze({}),
  blocks: Object.freeze([]),
  users: Object.freeze({}),
  limits: Object.freeze({}),
  windows: Object.freeze({}),
}) as ChatSnapshot;

const getServerSnapshot = () => SERVER_SNAPSHOT;
const noSubscription = () => () => {};

/**
 * Reads one part of the client's snapshot and re-renders only when that part changes.
 * `select` must return a part of the snapshot (or another stable value), never a new object:
 * the core keeps the identity of every unchanged part, so `s => s.messages[id]` is cheap.
 *
 * @example
 * const userId = useChatStore((s) => s.userId);
 */
export function useChatStore<T>(select: (snapshot: ChatSnapshot, client: ChatClient | null) => T): T {
  const client = useChatClient();
  const subscribe = useCallback(
    (onChange: () => void) => (client ? client.subscribe(onChange) : noSubscription()),
    [client],
  );
  const read = () => select(client ? client.getSnapshot() : SERVER_SNAPSHOT, client);
  const readServer = () => select(getServerSnapshot(), null);
  return useSyncExternalStore(subscribe, read, readServer);
}
