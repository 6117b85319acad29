import { useCallback, useEffect, useMemo, useState } from 'react';
import type { UserProfile } from '@parley/client-sdk';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

const NOBODY: readonly string[] = Object.freeze([]);
const NO_USERS: readonly UserProfile[] = Object.freeze([]);

/**
 * A user's profile as the app's server describes them (name, image, the app's data), or
 * `undefined` while it loads (or when the app does not know the id). Every `useUser` mounted in
 * one render asks in one request; a profile the app changes re-renders with the new one.
 *
 * @example
 * const author = useUser(message.senderId);
 * <b>{author?.name ?? message.senderId}</b>
 */
export function useUser(userId: string | null | undefined): UserProfile | undefined {
  const client = useChatClient();
  useEffect(() => {
    // Asked in an effect, not during render: `getUser` starts a fetch.
    if (client && userId) client.getUser(userId);
  }, [client, userId]);
  return useChatStore((s) => (userId ? s.users?.[userId] : undefined));
}

export interface UserSearchState {
  /** The people matching the latest query (empty for an empty query). */
  readonly users: readonly UserProfile[];
  /** A search is under way for the latest query. */
  readonly loading: boolean;
  /** Why the latest search failed. */
  readonly error?: Error;
}

/**
 * People matching `query` (a people picker), searched once the user stops typing for `debounceMs`
 * (default 250); answers to older queries are dropped. Who may find whom is the app server's call.
 *
 * @example
 * const [query, setQuery] = useState('');
 * const { users, loading } = useUserSearch(query);
 * <input value={query} onChange={(e) => setQuery(e.target.value)} />
 * {users.map((u) => <Option key={u.id} onClick={() => chat.openDirect(u.id)}>{u.name ?? u.id}</Option>)}
 */
export function useUserSearch(query: string, options: { debounceMs?: number } = {}): UserSearchState {
  const client = useChatClient();
  const debounceMs = options.debounceMs ?? 250;
  const trimmed = query.trim();
  const [state, setState] = useState<{ query: string; users: readonly UserProfile[]; error?: Error }>({ query: '', users: NO_USERS });
  useEffect(() => {
    if (!client || trimmed === '') return;
    let current = true;
    const timer = setTimeout(() => {
      client.searchUsers(trimmed).then(
        (users) => current && setState({ query: trimmed, users }),
        (error: unknown) => current && setState({ query: trimmed, users: NO_USERS, error: error instanceof Error ? error : new Error(String(error)) }),
      );
    }, debounceMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, trimmed, debounceMs]);
  return useMemo(() => {
    if (trimmed === '') return { users: NO_USERS, loading: false };
    if (state.query !== trimmed) return { users: NO_USERS, loading: client !== null };
    return { users: state.users, loading: false, ...(state.error ? { error: state.error } : {}) };
  }, [client, state, trimmed]);
}

export interface BlocksState {
  /** The users this user blocks. */
  readonly blocks: readonly string[];
  isBlocked(userId: string): boolean;
  block(userId: string): Promise<readonly string[]>;
  unblock(userId: string): Promise<readonly string[]>;
}

/**
 * The user's block list and ways to change it (every device of theirs follows).
 *
 * @example
 * const { isBlocked, block, unblock } = useBlocks();
 * <button onClick={() => (isBlocked(peer) ? unblock(peer) : block(peer))}>{isBlocked(peer) ? 'Unblock' : 'Block'}</button>
 */
export function useBlocks(): BlocksState {
  const client = useChatClient();
  const blocks = useChatStore((s) => s.blocks ?? NOBODY);
  const isBlocked = useCallback((userId: string) => blocks.includes(userId), [blocks]);
  const block = useCallback((userId: string) => (client ? client.block(userId) : Promise.reject(new Error('no Parley client yet'))), [client]);
  const unblock = useCallback((userId: string) => (client ? client.unblock(userId) : Promise.reject(new Error('no Parley client yet'))), [client]);
  return useMemo(() => ({ blocks, isBlocked, block, unblock }), [blocks, isBlocked, block, unblock]);
}
