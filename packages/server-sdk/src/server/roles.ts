import { ErrorCode, ParleyError, type MemberRole } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';

/** What a member may do in a group beyond writing: the one table (docs/security.md shows it). */
export type GroupAction =
  /** Change the title, image, description, app data or slow mode. */
  | 'details'
  /** Remove (or ban) a member whose role is `member`. */
  | 'remove-member'
  /** Remove (or ban) an admin. */
  | 'remove-admin'
  /** Lift bans. */
  | 'unban'
  /** Delete a message someone else sent. */
  | 'delete-others'
  /** Make members admins or members again, hand the ownership over. */
  | 'set-roles';

const ALLOWED: Readonly<Record<GroupAction, readonly MemberRole[]>> = {
  details: ['owner', 'admin'],
  'remove-member': ['owner', 'admin'],
  'remove-admin': ['owner'],
  unban: ['owner', 'admin'],
  'delete-others': ['owner', 'admin'],
  'set-roles': ['owner'],
};

export function may(role: MemberRole, action: GroupAction): boolean {
  return ALLOWED[action].includes(role);
}

const REFUSALS: Readonly<Record<GroupAction, string>> = {
  details: "only the group's owner and admins change its details",
  'remove-member': "only the group's owner and admins remove members",
  'remove-admin': "only the group's owner removes admins",
  unban: "only the group's owner and admins lift bans",
  'delete-others': "only its sender or the group's owner and admins may delete a message",
  'set-roles': "only the group's owner changes roles",
};

/** Refuses (FORBIDDEN) what the role does not allow. */
export function requireRole(role: MemberRole, action: GroupAction): void {
  if (!may(role, action)) throw new ParleyError(ErrorCode.FORBIDDEN, REFUSALS[action]);
}

/** Roles, details and bans are a group's: a direct conversation has none. */
export function requireGroupKind(conversation: StoredConversation, what: string): void {
  if (conversation.kind !== 'group') throw new ParleyError(ErrorCode.FORBIDDEN, `a direct conversation has no ${what}`);
}

/** The action that removing a member with `role` needs (the owner is removed by no one but themself). */
export function removalAction(role: MemberRole): GroupAction | null {
  if (role === 'owner') return null;
  return role === 'admin' ? 'remove-admin' : 'remove-member';
}
