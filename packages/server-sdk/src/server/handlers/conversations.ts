import { createHash, randomUUID } from 'node:crypto';
import {
  ErrorCode,
  ParleyError,
  type DirectOpenFrame,
  type GroupCreateFrame,
  type MembersAddFrame,
  type MembersRemoveFrame,
} from '@parley/protocol';
import { directKeyOf } from '../../store/store-helpers.js';
import type { StoredConversation } from '../../store/types.js';
import { summarize } from '../summaries.js';
import { pushToUsers, requireMembership, userRoom, type Connection, type ServerContext } from '../context.js';
import { pushToConversation } from '../fanout.js';
import { watchRoom } from './watch.js';

async function authorizeCreate(ctx: ServerContext, userId: string, kind: 'direct' | 'group', members: string[]) {
  if (ctx.canCreateConversation && !(await ctx.canCreateConversation({ userId, kind, members }))) {
    throw new ParleyError(ErrorCode.FORBIDDEN, 'not allowed to create this conversation');
  }
}

/** Answers the requester with its view and tells every other member connection about it. */
async function announce(
  ctx: ServerContext,
  conn: Connection,
  reqId: string,
  conversation: StoredConversation,
  notify: string[],
): Promise<void> {
  const member = await ctx.store.getMember(conversation.id, conn.userId);
  if (member) conn.send({ type: 'conversation', reqId, conversation: await summarize(ctx, conversation, member) });
  await Promise.all(
    notify.map(async (userId) => {
      const theirs = await ctx.store.getMember(conversation.id, userId);
      if (!theirs) return;
      const summary = await summarize(ctx, conversation, theirs);
      pushToUsers(ctx, [userId], { type: 'conversation', conversation: summary }, conn.socket.id);
    }),
  );
}

/** DIRECT.OPEN: the one conversation of two users, created on first use, idempotently. */
export async function handleDirectOpen(ctx: ServerContext, conn: Connection, frame: DirectOpenFrame): Promise<void> {
  const members = [...new Set([conn.userId, frame.userId])];
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
  await announce(ctx, conn, frame.reqId, conversation, created ? members : [conn.userId]);
  if (created) await pushCreatedEvent(ctx, conversation.id, members);
}

/** Direct conversation ids derive from the pair, so every node and store agrees on them. */
function directIdOf(directKey: string): string {
  return `d_${createHash('sha256').update(directKey).digest('base64url').slice(0, 22)}`;
}

/** GROUP.CREATE: the caller becomes owner; every member hears of it at once. */
export async function handleGroupCreate(ctx: ServerContext, conn: Connection, frame: GroupCreateFrame): Promise<void> {
  const members = [...new Set([conn.userId, ...frame.members])];
  if (members.length > ctx.limits.maxMembersPerConversation) {
    throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `a conversation has at most ${ctx.limits.maxMembersPerConversation} members`);
  }
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
  await announce(ctx, conn, frame.reqId, conversation, members);
  await pushCreatedEvent(ctx, conversation.id, members);
}

/** MEMBERS.ADD: any member of a group may add; the log records it. */
export async function handleMembersAdd(ctx: ServerContext, conn: Connection, frame: MembersAddFrame): Promise<void> {
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  if (conversation.kind !== 'group') throw new ParleyError(ErrorCode.FORBIDDEN, 'members of a direct conversation are fixed');
  const incoming = frame.userIds.filter((id) => id !== conn.userId);
  if (conversation.memberCount + new Set(incoming).size > ctx.limits.maxMembersPerConversation) {
    throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `a conversation has at most ${ctx.limits.maxMembersPerConversation} members`);
  }
  const added = await ctx.store.addMembers(conversation.id, incoming, 'member', ctx.now());
  await recordMembershipChange(ctx, conn, conversation.id, 'members.added', added, added);
  const updated = (await ctx.store.getConversation(conversation.id)) ?? conversation;
  await announce(ctx, conn, frame.reqId, updated, added);
}

/** MEMBERS.REMOVE: anyone may leave; only the owner removes others. */
export async function handleMembersRemove(ctx: ServerContext, conn: Connection, frame: MembersRemoveFrame): Promise<void> {
  const { conversation, member } = await requireMembership(ctx, frame.conversationId, conn.userId);
  if (conversation.kind !== 'group') throw new ParleyError(ErrorCode.FORBIDDEN, 'members of a direct conversation are fixed');
  const others = frame.userIds.some((id) => id !== conn.userId);
  if (others && member.role !== 'owner') throw new ParleyError(ErrorCode.FORBIDDEN, 'only the owner removes other members');
  const removed = await ctx.store.removeMembers(conversation.id, frame.userIds);
  // The removed users hear of their removal once, then learn nothing more.
  await recordMembershipChange(ctx, conn, conversation.id, 'members.removed', removed, removed);
  const updated = (await ctx.store.getConversation(conversation.id)) ?? conversation;
  const stillMember = await ctx.store.getMember(conversation.id, conn.userId);
  if (stillMember) {
    conn.send({ type: 'conversation', reqId: frame.reqId, conversation: await summarize(ctx, updated, stillMember) });
  } else {
    conn.send({
      type: 'conversation',
      reqId: frame.reqId,
      conversation: { ...(await summarize(ctx, updated, member)), members: [], memberCount: updated.memberCount, receipts: [] },
    });
  }
}

async function recordMembershipChange(
  ctx: ServerContext,
  conn: Connection,
  conversationId: string,
  kind: 'members.added' | 'members.removed',
  userIds: string[],
  alsoNotify: string[],
): Promise<void> {
  if (userIds.length === 0) return;
  const { event } = await ctx.store.append({
    conversationId,
    senderId: conn.userId,
    clientMsgId: `system:${kind}:${randomUUID()}`,
    ts: ctx.now(),
    kind,
    data: { userIds },
  });
  const conversation = await ctx.store.getConversation(conversationId);
  if (!conversation) return;
  // The requester's own connection gets the event too: its cursor must not skip a seq.
  await pushToConversation(ctx, conversation, { type: 'event', event }, { alsoNotify: [conn.userId, ...alsoNotify] });
  if (kind === 'members.removed') {
    // Removed users stop watching: nothing more about the conversation reaches them.
    ctx.nsp.in(userIds.map(userRoom)).socketsLeave(watchRoom(conversationId));
  }
}

/** Pushes a new conversation's first event (seq 1), so every member's cursor starts at the log's start. */
async function pushCreatedEvent(ctx: ServerContext, conversationId: string, members: string[]): Promise<void> {
  const [created] = await ctx.store.readAfter(conversationId, 0, 1);
  if (created) pushToUsers(ctx, members, { type: 'event', event: created });
}
