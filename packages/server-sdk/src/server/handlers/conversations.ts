import { createHash, randomUUID } from 'node:crypto';
import {
  ErrorCode,
  ParleyError,
  type DirectOpenFrame,
  type GroupCreateFrame,
  type MembersAddFrame,
  type MembersRemoveFrame,
  type ConversationSummary,
  type MemberRole,
} from '@parley/protocol';
import { directKeyOf } from '../../store/store-helpers.js';
import type { StoredConversation } from '../../store/types.js';
import { summarize } from '../summaries.js';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { leaveRooms, pushToUsers, userRoom, watchRoom } from '../fanout.js';
import { appendSystemEvent } from '../system-events.js';
import { removalAction, requireRole } from '../roles.js';
import { authorizeAdd, authorizeCreate, checkGroupSize } from './conversation-policy.js';

/**
 * Answers the requester (a connection; none for the server API) with its view and tells every
 * other member connection about it.
 */
export async function announce(
  ctx: ServerContext,
  requester: { conn: Connection; reqId: string } | null,
  conversation: StoredConversation,
  notify: readonly string[],
): Promise<void> {
  if (requester) {
    const { conn, reqId } = requester;
    const member = await ctx.store.getMember(conversation.id, conn.userId);
    if (member) conn.send({ type: 'conversation', reqId, conversation: await summarize(ctx, conversation, member) });
  }
  await Promise.all(
    notify.map(async (userId) => {
      const theirs = await ctx.store.getMember(conversation.id, userId);
      if (!theirs) return;
      const summary = await summarize(ctx, conversation, theirs);
      pushToUsers(ctx, [userId], { type: 'conversation', conversation: summary }, requester?.conn.socket.id);
    }),
  );
}

/** DIRECT.OPEN: the one conversation of two users, created on first use, idempotently. */
export async function handleDirectOpen(ctx: ServerContext, conn: Connection, frame: DirectOpenFrame): Promise<void> {
  // A "direct" conversation of one would be a group in disguise, and one nobody can ever join.
  if (frame.userId === conn.userId) throw new ParleyError(ErrorCode.BAD_FRAME, 'direct.open needs another user than yourself');
  const members = [conn.userId, frame.userId];
  const directKey = directKeyOf(conn.userId, frame.userId);
  const existing = await ctx.store.getMember(directIdOf(directKey), conn.userId);
  if (!existing) await authorizeCreate(ctx, conn.userId, 'direct', members);
  const { conversation, created } = await ctx.store.createConversation({
    id: directIdOf(directKey),
    kind: 'direct',
    title: null,
    createdBy: conn.userId,
    members,
    directKey,
    ts: ctx.now(),
  });
  await announce(ctx, { conn, reqId: frame.reqId }, conversation, created ? members : [conn.userId]);
  if (created) await pushCreatedEvent(ctx, conversation.id, members);
}

/** Direct conversation ids derive from the pair, so every node and store agrees on them. */
export function directIdOf(directKey: string): string {
  return `d_${createHash('sha256').update(directKey).digest('base64url').slice(0, 22)}`;
}

/** GROUP.CREATE: the caller becomes owner; every member hears of it at once. */
export async function handleGroupCreate(ctx: ServerContext, conn: Connection, frame: GroupCreateFrame): Promise<void> {
  const members = [...new Set([conn.userId, ...frame.members])];
  checkGroupSize(ctx, members.length);
  await authorizeCreate(ctx, conn.userId, 'group', members);
  const { conversation } = await ctx.store.createConversation({
    id: `g_${randomUUID()}`,
    kind: 'group',
    title: frame.title?.trim() || null,
    createdBy: conn.userId,
    members,
    directKey: null,
    ts: ctx.now(),
  });
  await announce(ctx, { conn, reqId: frame.reqId }, conversation, members);
  await pushCreatedEvent(ctx, conversation.id, members);
}

/** MEMBERS.ADD: any member of a group may add; the log records it. */
export async function handleMembersAdd(ctx: ServerContext, conn: Connection, frame: MembersAddFrame): Promise<void> {
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  if (conversation.kind !== 'group') throw new ParleyError(ErrorCode.FORBIDDEN, 'members of a direct conversation are fixed');
  const named = [...new Set(frame.userIds)].filter((id) => id !== conn.userId);
  // Members already in count once: re-adding them (a retry) neither fills the group nor asks the hook.
  const already = await Promise.all(named.map((id) => ctx.store.getMember(conversation.id, id)));
  const incoming = named.filter((_, i) => !already[i]);
  checkGroupSize(ctx, conversation.memberCount + incoming.length);
  await refuseBanned(ctx, conversation.id, incoming);
  await authorizeAdd(ctx, { actor: conn.userId, userIds: incoming, action: 'members.add', conversationId: conversation.id });
  const added = await addToGroup(ctx, conn.userId, conversation.id, incoming);
  const updated = (await ctx.store.getConversation(conversation.id)) ?? conversation;
  await announce(ctx, { conn, reqId: frame.reqId }, updated, added);
}

/**
 * MEMBERS.REMOVE: anyone may leave; the owner removes anyone, an admin removes members (roles.ts);
 * with `ban`, the removed cannot be added back until unbanned.
 */
export async function handleMembersRemove(ctx: ServerContext, conn: Connection, frame: MembersRemoveFrame): Promise<void> {
  const { conversation, member } = await requireMembership(ctx, frame.conversationId, conn.userId);
  if (conversation.kind !== 'group') throw new ParleyError(ErrorCode.FORBIDDEN, 'members of a direct conversation are fixed');
  const others = [...new Set(frame.userIds)].filter((id) => id !== conn.userId);
  if (frame.ban && others.length < frame.userIds.length) throw new ParleyError(ErrorCode.FORBIDDEN, 'you cannot ban yourself');
  await authorizeRemoval(ctx, conversation.id, member.role, others, frame.ban === true);
  await removeFromGroup(ctx, conn.userId, conversation.id, frame.userIds, { ban: frame.ban === true });
  const updated = (await ctx.store.getConversation(conversation.id)) ?? conversation;
  const stillMember = await ctx.store.getMember(conversation.id, conn.userId);
  if (stillMember) {
    conn.send({ type: 'conversation', reqId: frame.reqId, conversation: await summarize(ctx, updated, stillMember) });
  } else {
    conn.send({
      type: 'conversation',
      reqId: frame.reqId,
      conversation: leftSummary(await summarize(ctx, updated, member)),
    });
  }
}

/**
 * Adds users who are not members yet (checked by the caller) and records it. Adds running at once
 * (other devices, other nodes, the server API) each checked a count without the others': whoever
 * finds the group over its size takes its own additions back, before anyone is told.
 */
export async function addToGroup(ctx: ServerContext, actor: string, conversationId: string, incoming: string[]): Promise<string[]> {
  const added = await ctx.store.addMembers(conversationId, incoming, 'member', ctx.now());
  const after = await ctx.store.getConversation(conversationId);
  if (added.length > 0 && after && after.memberCount > ctx.limits.maxMembersPerConversation) {
    await ctx.store.removeMembers(conversationId, added);
    // Taken back without an event: no other node's cache hears of it (their lists age out, membership-cache.ts).
    ctx.members.forget(conversationId);
    await recheckPresence(ctx, conversationId, added);
    checkGroupSize(ctx, after.memberCount);
  }
  await recordMembershipChange(ctx, actor, conversationId, 'members.added', added, added);
  return added;
}

/**
 * Removes members and records it; if an owner went, the store passed ownership on and the event
 * names the heir. The removed users hear of their removal once, then learn nothing more.
 */
export async function removeFromGroup(
  ctx: ServerContext,
  actor: string,
  conversationId: string,
  userIds: readonly string[],
  options: { ban?: boolean } = {},
): Promise<string[]> {
  const ownersBefore = await ownersOf(ctx, conversationId);
  const ownerLeaves = ownersBefore.some((id) => userIds.includes(id));
  // Banned before they are removed: an add racing the removal finds the ban already.
  if (options.ban) await ctx.store.addBans(conversationId, userIds, ctx.now());
  const removed = await ctx.store.removeMembers(conversationId, [...userIds]);
  const heir = ownerLeaves ? (await ownersOf(ctx, conversationId)).find((id) => !ownersBefore.includes(id)) : undefined;
  await recheckPresence(ctx, conversationId, removed);
  await recordMembershipChange(ctx, actor, conversationId, 'members.removed', removed, removed, { ...(heir ? { ownerId: heir } : {}), ...(options.ban ? { banned: true } : {}) });
  return removed;
}

/** Appends a membership event (system-events.ts); removed users then stop watching the conversation. */
export async function recordMembershipChange(
  ctx: ServerContext,
  actor: string,
  conversationId: string,
  kind: 'members.added' | 'members.removed',
  userIds: string[],
  alsoNotify: string[],
  removal: { ownerId?: string; banned?: boolean } = {},
): Promise<void> {
  if (userIds.length === 0) return;
  await appendSystemEvent(
    ctx,
    actor,
    conversationId,
    kind === 'members.removed'
      ? { kind, data: { userIds, ...(removal.ownerId ? { ownerId: removal.ownerId } : {}), ...(removal.banned ? { banned: true as const } : {}) } }
      : { kind, data: { userIds } },
    alsoNotify,
  );
  if (kind === 'members.removed') {
    // Removed users stop watching: nothing more about the conversation reaches them.
    leaveRooms(ctx, userIds.map(userRoom), [watchRoom(conversationId)]);
  }
}

/** Presence follows membership: users who no longer share any conversation stop seeing each other. */
export async function recheckPresence(ctx: ServerContext, conversationId: string, removed: string[]): Promise<void> {
  if (removed.length === 0) return;
  try {
    const remaining = (await ctx.store.listMembers(conversationId)).map((m) => m.userId);
    await ctx.presence.membershipsEnded(removed, remaining);
  } catch (err) {
    // The removal stands; a subscription left behind ends when that connection does (every
    // reconnect subscribes, and is checked, again).
    ctx.logger.error('presence: membership re-check failed', { err });
  }
}

/** The conversation's owners' ids (the store may ignore the role filter, so it is applied again). */
export async function ownersOf(ctx: ServerContext, conversationId: string): Promise<string[]> {
  return (await ctx.store.listMembers(conversationId, { role: 'owner' })).filter((m) => m.role === 'owner').map((m) => m.userId);
}

/** Pushes a new conversation's first event (seq 1), so every member's cursor starts at the log's start. */
export async function pushCreatedEvent(ctx: ServerContext, conversationId: string, members: string[]): Promise<void> {
  const [created] = await ctx.store.readAfter(conversationId, 0, 1);
  if (!created) return;
  try {
    await ctx.storedEvents.stored([created], false);
  } catch (err) {
    ctx.logger.error('a conversation.created event could not be queued for webhooks', { err, eventId: created.id });
  }
  pushToUsers(ctx, members, { type: 'event', event: created });
}

/** What a user who left (or was removed) keeps of a conversation: no members, no roles, no receipts. */
export function leftSummary(summary: ConversationSummary): ConversationSummary {
  const { ownerId: _owner, admins: _admins, role: _role, mutedUntil: _muted, ...rest } = summary;
  return { ...rest, members: [], receipts: [] };
}

/**
 * Whether a member with `role` may remove `others` (users other than themself): the owner anyone,
 * an admin members only. Users who are not members are skipped (a retried removal). Banning a
 * user who is not a member bans them too (a pre-emptive ban), with the same rule as a member.
 */
export async function authorizeRemoval(ctx: ServerContext, conversationId: string, role: MemberRole, others: readonly string[], ban: boolean): Promise<void> {
  if (others.length === 0) return;
  const targets = await Promise.all(others.map((id) => ctx.store.getMember(conversationId, id)));
  for (const target of targets) {
    const action = target ? removalAction(target.role) : ban ? 'remove-member' : null;
    if (target?.role === 'owner') throw new ParleyError(ErrorCode.FORBIDDEN, 'the owner cannot be removed by others');
    if (action) requireRole(role, action);
  }
}

/** Banned users cannot be added back (FORBIDDEN) until an owner or admin lifts the ban. */
export async function refuseBanned(ctx: ServerContext, conversationId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const banned = await ctx.store.filterBanned(conversationId, userIds);
  if (banned.length > 0) throw new ParleyError(ErrorCode.FORBIDDEN, `banned from this group: ${banned.join(', ')}`);
}
