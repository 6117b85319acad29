import * as v from 'valibot';
import { ConversationCursor, ErrorCode, ParleyError, type ConversationSummary } from '@parley/protocol';
import type { ServerContext } from './context.js';
import { summarize } from './summaries.js';

/** `GET /conversations`'s answer: one page of the caller's list and the cursor of the next. */
export interface ConversationPage {
  conversations: ConversationSummary[];
  hasMore: boolean;
  /** Pass as `?cursor=` for the next page; null on the last. Opaque to callers. */
  next: string | null;
}

const LimitParam = v.pipe(v.string(), v.regex(/^\d{1,6}$/), v.transform(Number));
// `~` never occurs in an id nor in a number, so the cursor splits unambiguously.
const CURSOR = /^(\d{1,16})~(.+)$/;

function encodeCursor(cursor: ConversationCursor): string {
  return `${cursor.lastActivityAt}~${cursor.conversationId}`;
}

function decodeCursor(raw: string): ConversationCursor {
  const match = CURSOR.exec(raw);
  const parsed = v.safeParse(ConversationCursor, { lastActivityAt: Number(match?.[1]), conversationId: match?.[2] });
  if (!match || !parsed.success) throw new ParleyError(ErrorCode.BAD_FRAME, 'cursor must be the `next` of a previous page');
  return parsed.output;
}

/**
 * `GET /conversations?limit=N&cursor=C`: the caller's conversations, newest activity first, at
 * most `maxSyncSummaries` per page (the default), the same order and position as sync's walk.
 */
export async function listConversations(ctx: ServerContext, userId: string, url: URL): Promise<ConversationPage> {
  const rawLimit = url.searchParams.get('limit');
  const rawCursor = url.searchParams.get('cursor');
  let limit = ctx.limits.maxSyncSummaries;
  if (rawLimit !== null) {
    const parsed = v.safeParse(LimitParam, rawLimit);
    if (!parsed.success) throw new ParleyError(ErrorCode.BAD_FRAME, 'limit must be a positive integer');
    limit = Math.min(Math.max(parsed.output, 1), ctx.limits.maxSyncSummaries);
  }
  const after = rawCursor === null ? undefined : decodeCursor(rawCursor);
  // One row past the page tells whether another page exists.
  const rows = await ctx.store.listMemberships(userId, { ...(after ? { after } : {}), limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rows.length > limit;
  return {
    conversations: await Promise.all(page.map((m) => summarize(ctx, m.conversation, m.member))),
    hasMore,
    next: hasMore && last ? encodeCursor({ lastActivityAt: last.conversation.lastActivityAt, conversationId: last.conversation.id }) : null,
  };
}
