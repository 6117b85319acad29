import { ErrorCode, ParleyError } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { ServerContext } from './context.js';
import { leaveRooms, presenceRoom, pushToUsers, userRoom } from './fanout.js';

/**
 * What a block does, either way (A blocks B or B blocks A): no new direct conversation, no
 * writing in the one they have, no adding the other to a group, no presence, no typing in their
 * direct conversation. Shared groups stay shared: the log is one for all members, and clients
 * hide what blocked users write (they know their own block list). Groups never pay for blocks:
 * only direct conversations read them on a write.
 */

/** The other member of a direct conversation (its key is the two ids, sorted, joined by a newline). */
function peerOf(conversation: Pick<StoredConversation, 'kind' | 'directKey'>, userId: string): string | undefined {
  if (conversation.kind !== 'direct' || !conversation.directKey) return undefined;
  return conversation.directKey.split('\n').find((id) => id !== userId);
}

/** Whether `userId` and the other member of this direct conversation block each other (either way); false for groups. */
export async function isBlockedDirect(ctx: ServerContext, conversation: Pick<StoredConversation, 'kind' | 'directKey'>, userId: string): Promise<boolean> {
  const peer = peerOf(conversation, userId);
  if (peer === undefined) return false;
  return (await ctx.store.blockedBetween(userId, [peer])).length > 0;
}

/**
 * Refuses (FORBIDDEN) a send or a change in a direct conversation whose two users block each
 * other. A resend of a write stored before the block is let through: the caller answers it with
 * the original, so a message that was sent is never shown failed.
 */
export async function refuseBlockedDirect(ctx: ServerContext, conversation: StoredConversation, userId: string, clientMsgId?: string): Promise<void> {
  if (!(await isBlockedDirect(ctx, conversation, userId))) return;
  // `clientMsgId`: the caller has not looked for the original yet.
  if (clientMsgId !== undefined && (await ctx.store.findEvent(conversation.id, userId, clientMsgId))) return;
  throw new ParleyError(ErrorCode.FORBIDDEN, 'not allowed to write to this user');
}

/** Whether `actor` and any of `userIds` block each other (either way). */
export async function anyBlocked(ctx: ServerContext, actor: string, userIds: readonly string[]): Promise<boolean> {
  if (userIds.length === 0) return false;
  return (await ctx.store.blockedBetween(actor, userIds)).length > 0;
}

/**
 * A block takes effect on presence at once, on every node: both stop following each other (the
 * adapter takes their connections out of each other's presence rooms) and each is told the other
 * is offline, so no status stays on screen. A later subscribe is refused by the presence check.
 */
export function cutPresence(ctx: ServerContext, userId: string, blocked: readonly string[]): void {
  if (blocked.length === 0) return;
  leaveRooms(ctx, [userRoom(userId)], blocked.map(presenceRoom));
  leaveRooms(ctx, blocked.map(userRoom), [presenceRoom(userId)]);
  for (const other of blocked) {
    pushToUsers(ctx, [userId], { type: 'presence', userId: other, status: 'offline', lastSeenAt: null });
  }
  pushToUsers(ctx, blocked, { type: 'presence', userId, status: 'offline', lastSeenAt: null });
}
