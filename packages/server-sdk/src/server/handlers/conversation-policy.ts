import { ErrorCode, ParleyError } from '@parley/protocol';
import type { AddMembersRequest, ServerContext } from '../context.js';
import { anyBlocked } from '../blocks.js';

/**
 * Who may create conversations and put whom into them. Every check runs before anything is
 * stored or pushed, so a refusal reaches the actor alone and the would-be members learn nothing.
 */

/** Creating a conversation: the per-user creation rate first (it shields the hooks too), then the hooks. */
export async function authorizeCreate(
  ctx: ServerContext,
  actor: string,
  kind: 'direct' | 'group',
  members: string[],
): Promise<void> {
  if (!(await ctx.createLimiter.take(actor))) {
    ctx.metrics.rateLimited.inc({ limit: 'conversations' });
    throw new ParleyError(ErrorCode.RATE_LIMITED, 'too many new conversations, retry later');
  }
  if (ctx.canCreateConversation && !(await ctx.canCreateConversation({ userId: actor, kind, members }))) {
    throw new ParleyError(ErrorCode.FORBIDDEN, 'not allowed to create this conversation');
  }
  await authorizeAdd(ctx, {
    actor,
    userIds: members.filter((id) => id !== actor),
    action: kind === 'direct' ? 'direct.open' : 'group.create',
    conversationId: null,
  });
}

/**
 * Putting users into a conversation: nobody the actor blocks or is blocked by (blocks.ts), then
 * the app's `canAddMembers` decides. A block is refused exactly as the app's refusal is, so the
 * blocked user cannot tell the two apart.
 */
export async function authorizeAdd(ctx: ServerContext, request: AddMembersRequest): Promise<void> {
  if (request.userIds.length === 0) return;
  if ((await anyBlocked(ctx, request.actor, request.userIds)) || (ctx.canAddMembers && !(await ctx.canAddMembers(request)))) {
    throw new ParleyError(ErrorCode.FORBIDDEN, 'not allowed to add these members');
  }
}

/** The deployment's group size (`limits.maxMembersPerConversation`). */
export function checkGroupSize(ctx: ServerContext, memberCount: number): void {
  const max = ctx.limits.maxMembersPerConversation;
  if (memberCount > max) throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `a conversation has at most ${max} members`);
}
