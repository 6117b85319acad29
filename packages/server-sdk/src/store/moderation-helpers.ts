import { ErrorCode, ParleyError, type ConversationPatch } from '@parley/protocol';
import type { StoredConversation, StoredMember, StoredReport } from './types.js';
import { bySeniority } from './store-helpers.js';

/** The rules of group details, roles, blocks and reports that every store applies the same way. */

/** The detail fields a patch may name, in the store's shape. */
export type ConversationDetails = Pick<StoredConversation, 'title' | 'image' | 'description' | 'custom' | 'slowModeMs'>;

/**
 * The fields a patch changes (`ChatStore.updateConversation`): only those it names (a field set
 * to `undefined` is not named), null clears. `custom` is normalised as JSON would keep it, like a
 * message's (`appendedEvent`), so the memory store answers what SQLite and MongoDB read back.
 */
export function patchedDetails(patch: ConversationPatch): Partial<ConversationDetails> {
  const out: Partial<ConversationDetails> = {};
  if (patch.title !== undefined) out.title = patch.title;
  if (patch.image !== undefined) out.image = patch.image;
  if (patch.description !== undefined) out.description = patch.description;
  if (patch.custom !== undefined) out.custom = patch.custom === null ? null : (JSON.parse(JSON.stringify(patch.custom)) as Record<string, unknown>);
  if (patch.slowModeMs !== undefined) out.slowModeMs = patch.slowModeMs;
  return out;
}

/**
 * Who owns a group that has members but no owner left (`ChatStore.removeMembers`): its
 * longest-standing admin, or without admins its longest-standing member; undefined when it has
 * an owner or no members.
 */
export function heirOf<M extends Pick<StoredMember, 'role' | 'joinedAt' | 'userId'>>(members: readonly M[]): M | undefined {
  if (members.some((m) => m.role === 'owner')) return undefined;
  const admins = members.filter((m) => m.role === 'admin');
  return [...(admins.length > 0 ? admins : members)].sort(bySeniority)[0];
}

/**
 * A handover's changes in the order a store without transactions applies them: the new owner
 * first, so that a crash between two writes leaves two owners (which the next handover or
 * removal settles), never a group without one.
 */
export function ownerFirst<C extends { role: string }>(changes: readonly C[]): C[] {
  return [...changes].sort((a, b) => Number(b.role === 'owner') - Number(a.role === 'owner'));
}

/**
 * A block list after a change (`ModerationStore.updateBlocks`): `block` appended in order (those
 * already there keep their place), then `unblock` taken out. Throws LIMIT_EXCEEDED when the change
 * adds someone and the list would then hold more than `maxBlocks`; the caller then changes nothing.
 * (A list already past a lowered limit may still shrink.)
 */
export function blocksAfter(
  current: readonly string[],
  change: { block?: readonly string[]; unblock?: readonly string[] },
  maxBlocks: number,
): { list: string[]; added: string[]; removed: string[] } {
  const have = new Set(current);
  const unblock = new Set(change.unblock ?? []);
  const added = [...new Set(change.block ?? [])].filter((id) => !have.has(id) && !unblock.has(id));
  const removed = current.filter((id) => unblock.has(id));
  const list = [...current, ...added].filter((id) => !unblock.has(id));
  if (added.length > 0 && list.length > maxBlocks) {
    throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `a block list holds at most ${maxBlocks} users`);
  }
  return { list, added, removed };
}

/** Reports in `listReports` order: newest `updatedAt` first, then by id. */
export function byRecentReport(a: StoredReport, b: StoredReport): number {
  return b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
