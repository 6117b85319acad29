import type { ConversationSummary, LogEvent, SyncFrame } from '@parley/protocol';
import type { StoredConversation, StoredMember } from '../../store/types.js';
import { receiptsMark } from '@parley/protocol';
import { summarize, visibleReceipts } from '../summaries.js';
import type { Connection, ServerContext } from '../context.js';

type Membership = { conversation: StoredConversation; member: StoredMember };

/**
 * SYNC: exactly the events after each cursor the client named (paged across conversations by
 * `maxSyncEvents`), the summaries of conversations that changed, the tail of every conversation
 * the client did not name (unless `only`), and the named ones the user no longer belongs to.
 */
export async function handleSync(ctx: ServerContext, conn: Connection, frame: SyncFrame): Promise<void> {
  const memberships = await ctx.store.listMemberships(conn.userId);
  const byId = new Map(memberships.map((m) => [m.conversation.id, m]));
  const cursors = new Map(frame.cursors.map((c) => [c.conversationId, c.seq]));
  // Conversations without new events whose read watermark or receipts moved since the client
  // last heard: their summary alone brings it up to date (a read on another device, say).
  const stale = await staleSummaries(ctx, conn.userId, frame, byId);

  const removed = [...cursors.keys()].filter((id) => !byId.has(id));
  const changed: Membership[] = [];
  const events: LogEvent[] = [];
  let budget = ctx.limits.maxSyncEvents;
  let hasMore = false;

  for (const [id, seq] of cursors) {
    const membership = byId.get(id);
    if (membership && membership.conversation.lastSeq <= seq && stale.has(id)) changed.push(membership);
    if (!membership || membership.conversation.lastSeq <= seq) continue;
    changed.push(membership);
    const page = budget > 0 ? await ctx.store.readAfter(id, seq, budget) : [];
    events.push(...page);
    budget -= page.length;
    const last = page.at(-1)?.seq ?? seq;
    if (last < membership.conversation.lastSeq) hasMore = true;
  }

  if (!frame.only) {
    for (const membership of memberships) {
      const { id, lastSeq } = membership.conversation;
      if (cursors.has(id)) continue;
      changed.push(membership);
      const tail = Math.min(ctx.limits.syncTailEvents, lastSeq);
      if (tail > budget) {
        hasMore = true;
        continue;
      }
      const page = await ctx.store.readBefore(id, lastSeq + 1, tail);
      events.push(...page);
      budget -= page.length;
    }
  }

  const conversations: ConversationSummary[] = await Promise.all(
    changed.map((m) => summarize(ctx, m.conversation, m.member)),
  );
  conn.send({ type: 'sync.result', reqId: frame.reqId, conversations, removed, events, hasMore });
}

/** The named conversations whose read watermark or visible receipts differ from the cursor's. */
async function staleSummaries(
  ctx: ServerContext,
  userId: string,
  frame: SyncFrame,
  byId: Map<string, Membership>,
): Promise<Set<string>> {
  const stale = new Set<string>();
  await Promise.all(
    frame.cursors.map(async (cursor) => {
      const membership = byId.get(cursor.conversationId);
      if (!membership) return;
      if (cursor.readSeq !== undefined && cursor.readSeq !== membership.member.readSeq) {
        stale.add(cursor.conversationId);
        return;
      }
      if (cursor.receipts === undefined || membership.conversation.memberCount > ctx.receiptFanoutMax) return;
      const members = await ctx.store.listMembers(cursor.conversationId);
      if (receiptsMark(await visibleReceipts(ctx.store, members, userId)) !== cursor.receipts) stale.add(cursor.conversationId);
    }),
  );
  return stale;
}
