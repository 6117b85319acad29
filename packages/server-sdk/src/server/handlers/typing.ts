import type { TypingFrame } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { pushToConversation } from '../fanout.js';
import { isBlockedDirect } from '../blocks.js';

/** TYPING: relayed volatile to the other members; never stored, expires by itself. */
export async function handleTyping(ctx: ServerContext, conn: Connection, frame: TypingFrame): Promise<void> {
  if (!(await ctx.typingLimiter.take(`${conn.userId}\n${frame.conversationId}`))) return;
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  // Nobody is typing to someone who blocks them, or whom they block (blocks.ts).
  if (await isBlockedDirect(ctx, conversation, conn.userId)) return;
  const update = { type: 'typing.update', conversationId: conversation.id, userId: conn.userId, expiresInMs: ctx.typingTtlMs } as const;
  // Same audience rule as messages: in large conversations only watchers see who is typing.
  await pushToConversation(ctx, conversation, update, { exceptUserId: conn.userId, volatile: true });
}
