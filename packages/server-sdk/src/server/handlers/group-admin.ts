import {
  ErrorCode,
  ParleyError,
  type BansFrame,
  type ConversationPatch,
  type ConversationUpdateFrame,
  type MemberRole,
  type MembersRoleFrame,
  type MuteFrame,
  type RoleChange,
} from '@parley/protocol';
import type { StoredConversation } from '../../store/types.js';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { summarize } from '../summaries.js';
import { pushToUsers } from '../fanout.js';
import { recordChange } from '../system-events.js';
import { requireGroupKind, requireRole } from '../roles.js';

/** Answers the requester with their view of the conversation as it is now. */
async function answer(ctx: ServerContext, conn: Connection, reqId: string, conversationId: string): Promise<void> {
  const [conversation, member] = await Promise.all([ctx.store.getConversation(conversationId), ctx.store.getMember(conversationId, conn.userId)]);
  if (conversation && member) conn.send({ type: 'conversation', reqId, conversation: await summarize(ctx, conversation, member) });
}

/**
 * Applies a details patch and records `conversation.updated` in the name of `actor`. Fields the
 * patch sets to what they already are change nothing; a patch that changes nothing appends nothing.
 */
export async function updateDetails(ctx: ServerContext, actor: string, conversation: StoredConversation, patch: ConversationPatch): Promise<StoredConversation> {
  const changed = changedFields(conversation, patch);
  if (!changed) return conversation;
  // The details and their event in one store operation (system-events.ts).
  return (await recordChange(ctx, actor, conversation.id, { kind: 'conversation.updated', data: changed })).conversation;
}

function changedFields(conversation: StoredConversation, patch: ConversationPatch): ConversationPatch | null {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch) as [keyof ConversationPatch, unknown][]) {
    if (value === undefined) continue;
    const now = conversation[key] ?? null;
    if (JSON.stringify(now) !== JSON.stringify(value)) out[key] = value;
  }
  return Object.keys(out).length > 0 ? (out as ConversationPatch) : null;
}

/** CONVERSATION.UPDATE: an owner or admin changes the group's details; members get `conversation.updated`. */
export async function handleConversationUpdate(ctx: ServerContext, conn: Connection, frame: ConversationUpdateFrame): Promise<void> {
  const { conversation, member } = await requireMembership(ctx, frame.conversationId, conn.userId);
  requireGroupKind(conversation, 'details');
  requireRole(member.role, 'details');
  const patch = frame.patch.title === undefined || frame.patch.title === null ? frame.patch : { ...frame.patch, title: frame.patch.title.trim() || null };
  await updateDetails(ctx, conn.userId, conversation, patch);
  await answer(ctx, conn, frame.reqId, conversation.id);
}

/**
 * The role changes that give `userId` the role `role`, as `actor` asks: `owner` hands the
 * ownership over (the previous owner becomes an admin). Empty when nothing would change.
 */
export async function roleChanges(ctx: ServerContext, conversation: StoredConversation, userId: string, role: MemberRole): Promise<RoleChange[]> {
  const target = await ctx.store.getMember(conversation.id, userId);
  if (!target) throw new ParleyError(ErrorCode.NOT_FOUND, `${userId} is not a member of this group`);
  if (target.role === role) return [];
  if (target.role === 'owner') throw new ParleyError(ErrorCode.FORBIDDEN, 'the owner stays owner until they hand the ownership to someone else');
  if (role !== 'owner') return [{ userId, role }];
  const owners = (await ctx.store.listMembers(conversation.id, { role: 'owner' })).filter((m) => m.role === 'owner');
  const handover: RoleChange[] = [{ userId, role: 'owner' }, ...owners.map((m): RoleChange => ({ userId: m.userId, role: 'admin' }))];
  return handover.slice(0, 2);
}

/** Stores the role changes with their `members.role` event, in the name of `actor` (`roleChanges` checked that every user named is a member). */
export async function applyRoles(ctx: ServerContext, actor: string, conversationId: string, changes: RoleChange[]): Promise<void> {
  if (changes.length === 0) return;
  await recordChange(ctx, actor, conversationId, { kind: 'members.role', data: { changes } });
}

/** MEMBERS.ROLE: the owner makes a member an admin or a member again, or hands the ownership over. */
export async function handleMembersRole(ctx: ServerContext, conn: Connection, frame: MembersRoleFrame): Promise<void> {
  const { conversation, member } = await requireMembership(ctx, frame.conversationId, conn.userId);
  requireGroupKind(conversation, 'roles');
  requireRole(member.role, 'set-roles');
  if (frame.userId === conn.userId && frame.role !== 'owner') {
    throw new ParleyError(ErrorCode.FORBIDDEN, 'the owner stays owner until they hand the ownership to someone else');
  }
  await applyRoles(ctx, conn.userId, conversation.id, await roleChanges(ctx, conversation, frame.userId, frame.role));
  await answer(ctx, conn, frame.reqId, conversation.id);
}

/** MUTE: private to the user; their other devices get the new summary. */
export async function handleMute(ctx: ServerContext, conn: Connection, frame: MuteFrame): Promise<void> {
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const member = await ctx.store.setMutedUntil(conversation.id, conn.userId, frame.until);
  if (!member) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  const summary = await summarize(ctx, conversation, member);
  conn.send({ type: 'conversation', reqId: frame.reqId, conversation: summary });
  pushToUsers(ctx, [conn.userId], { type: 'conversation', conversation: summary }, conn.socket.id);
}

/** BANS: the group's bans, after lifting `unban` (owner or admin; reading them too). */
export async function handleBans(ctx: ServerContext, conn: Connection, frame: BansFrame): Promise<void> {
  const { conversation, member } = await requireMembership(ctx, frame.conversationId, conn.userId);
  requireGroupKind(conversation, 'bans');
  requireRole(member.role, 'unban');
  if (frame.unban) await ctx.store.removeBans(conversation.id, frame.unban);
  conn.send({ type: 'bans.result', reqId: frame.reqId, conversationId: conversation.id, userIds: await ctx.store.listBans(conversation.id) });
}
