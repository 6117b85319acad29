import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { ConversationPatch, ErrorCode, Id, Limits, MemberRole as MemberRoleSchema, ParleyError, type MemberRole } from '@parley/protocol';
import { directKeyOf } from '../store/store-helpers.js';
import type { StoredConversation } from '../store/types.js';
import type { ServerContext } from './context.js';
import { checkGroupSize } from './handlers/conversation-policy.js';
import { addToGroup, announce, directIdOf, pushCreatedEvent, refuseBanned, removeFromGroup } from './handlers/conversations.js';
import { applyRoles, roleChanges, updateDetails } from './handlers/group-admin.js';
import { parse, requireConversation } from './api-messages.js';

/** A group your backend creates (a support chat for an order, a team room). */
export interface ApiGroupInput {
  /**
   * Your id for it (an id string, at most 128 characters), e.g. `order-1234`: creating the same
   * id again returns the existing group, so a retried create makes one. Default: a fresh id.
   */
  id?: string;
  title?: string | null;
  /** Its members. */
  members: string[];
  /** Who creates and owns it (the `conversation.created` event's sender): one of the members, default the first. */
  createdBy?: string;
}

const Members = v.pipe(v.array(Id), v.maxLength(Limits.maxMembersPerConversation));
const Title = v.nullable(v.pipe(v.string(), v.maxLength(Limits.maxTitleLength)));

/**
 * Conversation writes without a socket. Your backend is trusted: `canCreateConversation` and
 * `canAddMembers` (which guard what users ask for) are not asked; the deployment's limits (group
 * size, bans) hold. Every member connection, on every node, hears of the change as if a user made it.
 */
export async function apiCreateGroup(ctx: ServerContext, input: ApiGroupInput): Promise<{ conversation: StoredConversation; created: boolean }> {
  const id = input.id === undefined ? `g_${randomUUID()}` : parse(Id, input.id, 'id');
  const members = [...new Set(parse(Members, input.members, 'members'))];
  const title = parse(Title, input.title ?? null, 'title')?.trim() || null;
  if (members.length === 0) throw new ParleyError(ErrorCode.BAD_FRAME, 'members: a group needs at least one member');
  checkGroupSize(ctx, members.length);
  const createdBy = input.createdBy === undefined ? members[0]! : parse(Id, input.createdBy, 'createdBy');
  if (!members.includes(createdBy)) throw new ParleyError(ErrorCode.BAD_FRAME, 'createdBy: the creator, who owns the group, must be one of its members');
  const existing = await ctx.store.getConversation(id);
  if (existing) return { conversation: sameGroup(existing), created: false };
  let conversation: StoredConversation;
  try {
    ({ conversation } = await ctx.store.createConversation({
      id,
      kind: 'group',
      title,
      createdBy,
      members,
      directKey: null,
      ts: ctx.now(),
    }));
  } catch (err) {
    // The same id created at once elsewhere (another node's retry): that one stands.
    const raced = await ctx.store.getConversation(id);
    if (!raced) throw err;
    return { conversation: sameGroup(raced), created: false };
  }
  await announce(ctx, null, conversation, members);
  await pushCreatedEvent(ctx, conversation.id, members);
  return { conversation, created: true };
}

function sameGroup(existing: StoredConversation): StoredConversation {
  if (existing.kind !== 'group') throw new ParleyError(ErrorCode.BAD_FRAME, 'id: a direct conversation already has this id');
  return existing;
}

/** The direct conversation of two users, created on first use (the same one users open). */
export async function apiOpenDirect(ctx: ServerContext, a: string, b: string): Promise<{ conversation: StoredConversation; created: boolean }> {
  const [first, second] = [parse(Id, a, 'userId'), parse(Id, b, 'userId')];
  if (first === second) throw new ParleyError(ErrorCode.BAD_FRAME, 'a direct conversation needs two different users');
  const directKey = directKeyOf(first, second);
  const members = [first, second];
  const result = await ctx.store.createConversation({ id: directIdOf(directKey), kind: 'direct', title: null, createdBy: first, members, directKey, ts: ctx.now() });
  if (result.created) {
    await announce(ctx, null, result.conversation, members);
    await pushCreatedEvent(ctx, result.conversation.id, members);
  }
  return result;
}

/** Adds users to a group in the name of `by`; returns those who were not members before. */
export async function apiAddMembers(ctx: ServerContext, conversationId: string, userIds: string[], by: string): Promise<string[]> {
  const conversation = await requireGroup(ctx, conversationId);
  const actor = parse(Id, by, 'by');
  const named = [...new Set(parse(Members, userIds, 'userIds'))];
  const already = await Promise.all(named.map((id) => ctx.store.getMember(conversation.id, id)));
  const incoming = named.filter((_, i) => !already[i]);
  checkGroupSize(ctx, conversation.memberCount + incoming.length);
  await refuseBanned(ctx, conversation.id, incoming);
  const added = await addToGroup(ctx, actor, conversation.id, incoming);
  if (added.length > 0) await announce(ctx, null, (await ctx.store.getConversation(conversation.id)) ?? conversation, added);
  return added;
}

/**
 * Removes users from a group in the name of `by` (an owner among them passes ownership on); with
 * `ban`, they cannot be added back until unbanned. Returns those who were members.
 */
export async function apiRemoveMembers(ctx: ServerContext, conversationId: string, userIds: string[], by: string, options: { ban?: boolean } = {}): Promise<string[]> {
  const conversation = await requireGroup(ctx, conversationId);
  return removeFromGroup(ctx, parse(Id, by, 'by'), conversation.id, [...new Set(parse(Members, userIds, 'userIds'))], { ban: options.ban === true });
}

/** Lifts bans; returns the group's bans after. */
export async function apiUnban(ctx: ServerContext, conversationId: string, userIds: string[]): Promise<string[]> {
  const conversation = await requireGroup(ctx, conversationId);
  await ctx.store.removeBans(conversation.id, parse(Members, userIds, 'userIds'));
  return ctx.store.listBans(conversation.id);
}

/** Changes a group's details in the name of `by`; members get `conversation.updated`. */
export async function apiUpdateConversation(ctx: ServerContext, conversationId: string, patch: ConversationPatch, by: string): Promise<StoredConversation> {
  const actor = parse(Id, by, 'by');
  const checked = parse(ConversationPatch, patch, 'patch');
  const conversation = await requireGroup(ctx, conversationId);
  return updateDetails(ctx, actor, conversation, checked);
}

/** Gives a member a role in the name of `by` (`owner` hands the ownership over; the previous owner becomes an admin). */
export async function apiSetRole(ctx: ServerContext, conversationId: string, userId: string, role: MemberRole, by: string): Promise<void> {
  const actor = parse(Id, by, 'by');
  const conversation = await requireGroup(ctx, conversationId);
  const changes = await roleChanges(ctx, conversation, parse(Id, userId, 'userId'), parse(MemberRoleSchema, role, 'role'));
  await applyRoles(ctx, actor, conversation.id, changes);
}

async function requireGroup(ctx: ServerContext, conversationId: string): Promise<StoredConversation> {
  const conversation = await requireConversation(ctx, conversationId);
  if (conversation.kind !== 'group') throw new ParleyError(ErrorCode.FORBIDDEN, 'members of a direct conversation are fixed');
  return conversation;
}
