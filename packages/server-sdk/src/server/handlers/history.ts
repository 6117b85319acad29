import type { HistoryFrame } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';

/** HISTORY: a page of events before `beforeSeq` (default: the newest), ascending. */
export async function handleHistory(ctx: ServerContext, conn: Connection, frame: HistoryFrame): Promise<void> {
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const beforeSeq = Math.min(frame.beforeSeq ?? Number.MAX_SAFE_INTEGER, conversation.lastSeq + 1);
  const limit = Math.min(frame.limit ?? ctx.limits.defaultPageSize, ctx.limits.maxPageSize);
  const events = await ctx.store.readBefore(frame.conversationId, beforeSeq, limit);
  const first = events[0];
  conn.send({
    type: 'history.result',
    reqId: frame.reqId,
    conversationId: frame.conversationId,
    events,
    hasMore: first !== undefined ? first.seq > 1 : false,
  });
}
