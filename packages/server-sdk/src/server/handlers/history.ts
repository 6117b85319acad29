import { ErrorCode, ParleyError, type HistoryFrame, type MessageEvent } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import type { ChatStore } from '../../store/types.js';
import { foldPointFor, lanePage } from '../message-pages.js';

/**
 * HISTORY: a page of the main timeline (or, with `threadId`, of that thread's replies) before
 * `beforeSeq` (default: the newest), ascending, messages as they are now (message-pages.ts).
 * One more event than asked is read to tell whether older ones exist.
 */
export async function handleHistory(ctx: ServerContext, conn: Connection, frame: HistoryFrame): Promise<void> {
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const lane = frame.threadId === undefined ? 0 : -(await threadRoot(ctx.store, frame.conversationId, frame.threadId)).seq;
  const beforeSeq = Math.min(frame.beforeSeq ?? Number.MAX_SAFE_INTEGER, conversation.lastSeq + 1);
  const limit = Math.min(frame.limit ?? ctx.limits.defaultPageSize, ctx.limits.maxPageSize);
  const throughSeq = foldPointFor(conn.protocol, conversation.lastSeq);
  const page = await lanePage(ctx.store, ctx.logger, frame.conversationId, lane, beforeSeq, limit + 1, throughSeq);
  conn.send({
    type: 'history.result',
    reqId: frame.reqId,
    conversationId: frame.conversationId,
    ...(frame.threadId !== undefined ? { threadId: frame.threadId } : {}),
    events: page.length > limit ? page.slice(1) : page,
    hasMore: page.length > limit,
  });
}

/**
 * The root of a thread: a message of the main timeline of this conversation. Anything else (a
 * reply, a membership event, another conversation's message, an unknown id) is the same
 * NOT_FOUND, so an id reveals nothing about other conversations.
 */
export async function threadRoot(store: ChatStore, conversationId: string, messageId: string): Promise<MessageEvent> {
  const root = await store.getEvent(conversationId, messageId);
  if (!root || root.kind !== 'message' || root.conversationId !== conversationId || root.data.thread !== undefined) {
    throw new ParleyError(ErrorCode.NOT_FOUND, 'no such thread in this conversation');
  }
  return root;
}
