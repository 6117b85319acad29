import { useEffect } from 'react';
import type { ConversationView } from '@parley/client-sdk';
import { useChatClient, useChatStore } from '@parley/client-sdk/react';

/**
 * Names and pictures come from the app's user directory: one person's profile with the SDK's
 * `useUser`, and any number of names in one component with `useNameOf`. The SDK fetches each id
 * once, batching every id asked within one tick, and re-renders the readers when profiles land.
 * Until then (or for an id the directory does not know) the id itself is shown.
 */

/**
 * `nameOf(id)`: the user's display name, or the id while it loads. The ids this render asked for
 * and that are not held are fetched after it (in an effect: `getUser` starts a request).
 */
export function useNameOf(): (userId: string) => string {
  const chat = useChatClient();
  const users = useChatStore((s) => s.users);
  const missing = new Set<string>();
  useEffect(() => {
    if (chat) for (const id of missing) chat.getUser(id);
  });
  return (userId: string) => {
    const profile = users[userId];
    if (!profile) missing.add(userId);
    return profile?.name ?? userId;
  };
}

/** "bob", "bob and carol", "bob, carol and dave". */
export function listOf(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

export type Role = 'owner' | 'admin' | 'member';

/** A member's role in a group, from the summary (the owner, the admins, everyone else). */
export function roleOf(conversation: ConversationView, userId: string): Role {
  if (conversation.ownerId === userId) return 'owner';
  return conversation.admins?.includes(userId) ? 'admin' : 'member';
}

/** The user may change the group's details, delete others' messages and remove members. */
export function isModerator(conversation: ConversationView | undefined): boolean {
  return conversation?.kind === 'group' && (conversation.role === 'owner' || conversation.role === 'admin');
}

/**
 * Whether `me` may remove (and ban) `them`, by the permission table (docs/security.md): the owner
 * removes anyone but themselves; an admin removes members only; a member removes no one.
 */
export function mayRemove(conversation: ConversationView, them: string): boolean {
  const mine = conversation.role;
  const theirs = roleOf(conversation, them);
  if (mine === 'owner') return theirs !== 'owner';
  return mine === 'admin' && theirs === 'member';
}
