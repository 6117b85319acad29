import { useCallback } from 'react';
import type { ConversationView, UserProfile } from '@parley/client-sdk';
import { useChatStore } from '@parley/client-sdk/react';

/**
 * Names and pictures come from the app's user directory (`chat.getUser`): the SDK fetches each id
 * once, batching every id asked within one tick, and re-renders the readers when profiles land.
 * Until then (or for an id the directory does not know) the id itself is shown.
 */

/** One user's profile, fetched on first ask; `undefined` while loading or unknown. */
export function useProfile(userId: string | undefined): UserProfile | undefined {
  // getUser is idempotent (one fetch per id), so asking from the selector is safe on every read.
  return useChatStore((s, chat) => (userId === undefined ? undefined : (s.users[userId] ?? chat?.getUser(userId))));
}

/** `nameOf(id)`: the user's display name, or the id while it loads. Re-renders when profiles land. */
export function useNameOf(): (userId: string) => string {
  const users = useChatStore((s) => s.users);
  const chat = useChatStore((_, client) => client);
  return useCallback((userId: string) => (users[userId] ?? chat?.getUser(userId))?.name ?? userId, [users, chat]);
}

/** The users this user blocks (private to them; every device of theirs follows). */
export function useBlocks(): readonly string[] {
  return useChatStore((s) => s.blocks);
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
