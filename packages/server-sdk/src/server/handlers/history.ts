import { ErrorCode, ParleyError, laneOf, type HistoryFrame, type LogEvent, type MessageEvent } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import type { ChatStore } from '../../store/types.js';
import { foldMessages, foldPointFor, lanePage } from '../message-pages.js';

/**
 * HISTORY: a page of the main timeline (or, with `threadId`, of that thread's replies) before
 * `beforeSeq` (default: the newest), ascending, messages as they are now (message-pages.ts).
 * One more event than asked is read to tell whether older ones exist.
 */
export async function handleHistory(ctx: ServerContext, conn: Connection, frame: HistoryFrame): Promise<void> {
  if (frame.aroundSeq !== undefined && frame.beforeSeq !== undefined) throw new ParleyError(ErrorCode.BAD_FRAME, 'history takes beforeSeq or aroundSeq, not both');
  const { conversation } = await requireMembership(ctx, frame.conversationId, conn.userId);
  const lane = frame.threadId === undefined ? 0 : -(await threadRoot(ctx.store, frame.conversationId, frame.threadId)).seq;
  if (frame.aroundSeq !== undefined) return handleAround(ctx, conn, frame, frame.aroundSeq, lane, conversation.lastSeq);
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

/** Events read per step when looking for the events of a lane after a seq. */
const AFTER_STEP = 200;
/** Steps at most: a lane sparse among many changes gets a shorter window after its seq (`hasNewer` still says so). */
const AFTER_STEPS = 10;

/**
 * An `aroundSeq` page: up to half the limit of the lane's events after that seq, the rest at and
 * before it. Every event of the lane from the page's first seq to its last is in it, so a client
 * can keep it as one gap-free stretch of its cache.
 */
async function handleAround(ctx: ServerContext, conn: Connection, frame: HistoryFrame, aroundSeq: number, lane: number, lastSeq: number): Promise<void> {
  const limit = Math.min(frame.limit ?? ctx.limits.defaultPageSize, ctx.limits.maxPageSize);
  const centre = Math.min(aroundSeq, lastSeq);
  const wantAfter = Math.floor(limit / 2);
  // The lane's events after the seq, read from the log in steps (a lane has no index forward).
  const after: LogEvent[] = [];
  let from = centre;
  let endReached = from >= lastSeq;
  for (let step = 0; step < AFTER_STEPS && !endReached && after.length < wantAfter + 1; step++) {
    const events = await ctx.store.readAfter(frame.conversationId, from, AFTER_STEP);
    for (const event of events) if (event.seq <= lastSeq && laneOf(event) === lane) after.push(event);
    from = events.length > 0 ? events[events.length - 1]!.seq : lastSeq;
    endReached = events.length < AFTER_STEP || from >= lastSeq;
  }
  const hasNewer = after.length > wantAfter || !endReached;
  const kept = after.slice(0, wantAfter);
  const throughSeq = foldPointFor(conn.protocol, lastSeq);
  const before = await lanePage(ctx.store, ctx.logger, frame.conversationId, lane, centre + 1, limit - kept.length + 1, throughSeq);
  const hasMore = before.length > limit - kept.length;
  const folded = await foldMessages(ctx.store, ctx.logger, frame.conversationId, kept, throughSeq);
  conn.send({
    type: 'history.result',
    reqId: frame.reqId,
    conversationId: frame.conversationId,
    ...(frame.threadId !== undefined ? { threadId: frame.threadId } : {}),
    events: [...(hasMore ? before.slice(1) : before), ...folded],
    hasMore,
    hasNewer,
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
