import type { ConversationPatch, ConversationSummary, LogEvent, MemberRole, RoleChange } from '@parley/protocol';

/**
 * How protocol 6's group events change a summary. The server pushes no new summary to every
 * member when a group's details or roles change: the log carries `conversation.updated` and
 * `members.role`, and each client folds them (live pushes and sync alike) into what it shows.
 */

type Summary = ConversationSummary;

/** The patch's fields set on the summary; `null` clears one (a title becomes `null`, the rest absent). */
export function applyPatch(summary: Summary, patch: ConversationPatch): Summary {
  const next: Record<string, unknown> = { ...summary };
  if (patch.title !== undefined) next['title'] = patch.title;
  for (const key of ['image', 'description', 'custom', 'slowModeMs'] as const) {
    const value = patch[key];
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as unknown as Summary;
}

/** The admins list with `add` in and `remove` out; absent when empty, as the server sends it. */
function withAdmins(summary: Summary, add: readonly string[], remove: readonly string[]): Summary {
  const before = summary.admins ?? [];
  const gone = new Set(remove);
  const after = [...before.filter((id) => !gone.has(id)), ...add.filter((id) => !before.includes(id) && !gone.has(id))];
  if (after.length === before.length && after.every((id, i) => id === before[i])) return summary;
  const { admins: _admins, ...rest } = summary;
  return after.length > 0 ? { ...rest, admins: after } : rest;
}

function applyRoleChanges(summary: Summary, changes: readonly RoleChange[]): Summary {
  let next = summary;
  for (const { userId, role } of changes) {
    if (role === 'owner') next = { ...withAdmins(next, [], [userId]), ownerId: userId };
    else if (role === 'admin') next = withAdmins(next, [userId], []);
    else next = withAdmins(next, [], [userId]);
    // A former owner named with another role no longer owns the group.
    if (role !== 'owner' && next.ownerId === userId) {
      const { ownerId: _owner, ...rest } = next;
      next = rest;
    }
  }
  return next;
}

/** Folds one event's effect on roles and details into a summary (membership itself is folded by the caller). */
export function foldGroupEvent(summary: Summary, event: LogEvent): Summary {
  switch (event.kind) {
    case 'conversation.updated':
      return applyPatch(summary, event.data);
    case 'members.role':
      return applyRoleChanges(summary, event.data.changes);
    case 'members.removed': {
      // The heir may have been an admin: an owner is not listed among the admins.
      const heir = event.data.ownerId;
      return withAdmins(summary, [], heir === undefined ? event.data.userIds : [...event.data.userIds, heir]);
    }
    default:
      return summary;
  }
}

/**
 * This user's role after the held events past the server's summary: the summary's `role`, then
 * what the log says of them since (made admin or member, handed the ownership, added, removed).
 */
export function roleAfter(role: MemberRole | undefined, events: readonly LogEvent[], userId: string | null): MemberRole | undefined {
  if (userId === null) return role;
  let now = role;
  for (const event of events) {
    if (event.kind === 'members.role') {
      for (const change of event.data.changes) if (change.userId === userId) now = change.role;
    } else if (event.kind === 'members.removed') {
      if (event.data.userIds.includes(userId)) now = undefined;
      else if (event.data.ownerId === userId) now = 'owner';
    } else if (event.kind === 'members.added' && event.data.userIds.includes(userId)) {
      now = 'member';
    }
  }
  return now;
}
