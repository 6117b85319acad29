import type { LogEvent, SyncFrame } from '@parley/protocol';
import type { StoredMembership } from '../../store/types.js';
import { receiptsMark } from '@parley/protocol';
import { summarize, visibleReceipts } from '../summaries.js';
import { assemblePage, type PageItem, type WalkStep } from '../sync-page.js';
import type { Connection, ServerContext } from '../context.js';
import { foldMessages, foldPointFor, foldsItself, lanePage } from '../message-pages.js';

/**
 * SYNC: the events after each cursor the client named (paged across conversations by
 * `maxSyncEvents`), the summaries of named conversations that changed, the named ones the user no
 * longer belongs to and, unless `only`, one page of the user's conversation list from `after`:
 * the summary and tail of each conversation there the client did not name. A page carries at
 * most `maxSyncSummaries` summaries and about half of `maxFrameBytes`, so a user in thousands of
 * conversations gets them over several bounded frames; the store is only ever read a page at a time.
 */
export async function handleSync(ctx: ServerContext, conn: Connection, frame: SyncFrame): Promise<void> {
  const cursors = new Map(frame.cursors.map((c) => [c.conversationId, c]));
  const named = await namedMemberships(ctx, conn.userId, [...cursors.keys()]);
  const stale = await staleSummaries(ctx, conn.userId, frame, named);
  const removed = [...cursors.keys()].filter((id) => !named.get(id));
  let eventBudget = ctx.limits.maxSyncEvents;
  let hasMore = false;

  const namedItems: PageItem[] = [];
  for (const [id, cursor] of cursors) {
    const membership = named.get(id);
    if (!membership) continue;
    const behind = membership.conversation.lastSeq > cursor.seq;
    if (!behind && !stale.has(id)) continue;
    if (namedItems.length >= ctx.limits.maxSyncSummaries) {
      hasMore = true;
      continue;
    }
    const raw = behind && eventBudget > 0 ? await ctx.store.readAfter(id, cursor.seq, eventBudget) : [];
    const events = await asOldClientsShow(ctx, conn, id, raw);
    eventBudget -= events.length;
    if ((events.at(-1)?.seq ?? cursor.seq) < membership.conversation.lastSeq) hasMore = true;
    namedItems.push({ membership, events, source: 'named' });
  }

  const walk: WalkStep[] = [];
  if (!frame.only) {
    const room = ctx.limits.maxSyncSummaries - namedItems.length;
    const rows = room > 0 ? await ctx.store.listMemberships(conn.userId, { ...(frame.after ? { after: frame.after } : {}), limit: room }) : [];
    // A full page may have more after it; a short one is the end of the list.
    if (room <= 0 || rows.length === room) hasMore = true;
    for (const membership of rows) {
      const { id, lastSeq } = membership.conversation;
      if (cursors.has(id)) {
        walk.push({ passed: membership });
        continue;
      }
      const tail = Math.min(ctx.limits.syncTailEvents, lastSeq);
      if (tail > eventBudget) {
        // Stop the walk here: the next page starts with this conversation, summary and tail together.
        hasMore = true;
        break;
      }
      const events = tail > 0 ? await tailOf(ctx, conn, id, lastSeq, tail) : [];
      eventBudget -= events.length;
      walk.push({ item: { membership, events, source: 'listed' } });
    }
  }

  const summaryOf = (m: StoredMembership) => summarize(ctx, m.conversation, m.member);
  const [namedSummaries, walkSummaries] = await Promise.all([
    Promise.all(namedItems.map(async (item) => ({ item, summary: await summaryOf(item.membership) }))),
    Promise.all(walk.map(async (step) => ({ step, summary: 'item' in step ? await summaryOf(step.item.membership) : null }))),
  ]);
  const page = assemblePage(namedSummaries, walkSummaries, frame.only ? undefined : frame.after, Math.floor(ctx.limits.maxFrameBytes / 2));
  conn.send({
    type: 'sync.result',
    reqId: frame.reqId,
    conversations: page.conversations,
    removed,
    events: page.events,
    hasMore: hasMore || page.namedCut || page.walkCut,
    ...(page.next ? { next: page.next } : {}),
  });
}

/** The user's membership of each named conversation, or null where there is none (or no such conversation). */
async function namedMemberships(ctx: ServerContext, userId: string, ids: string[]): Promise<Map<string, StoredMembership | null>> {
  const rows = await Promise.all(
    ids.map(async (id) => {
      const [conversation, member] = await Promise.all([ctx.store.getConversation(id), ctx.store.getMember(id, userId)]);
      return [id, conversation && member ? { conversation, member } : null] as const;
    }),
  );
  return new Map(rows);
}

/** The named conversations whose read watermark or visible receipts differ from the cursor's. */
async function staleSummaries(
  ctx: ServerContext,
  userId: string,
  frame: SyncFrame,
  named: Map<string, StoredMembership | null>,
): Promise<Set<string>> {
  const stale = new Set<string>();
  await Promise.all(
    frame.cursors.map(async (cursor) => {
      const membership = named.get(cursor.conversationId);
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

/**
 * The tail of a conversation the client holds no position in: the last `count` events of the
 * main timeline, messages folded as of `lastSeq` (the summary's), where the client's position
 * starts. Protocol 4 and older place their position at the tail's first seq and need it
 * contiguous: they get the log's last events, messages as they are now.
 */
async function tailOf(ctx: ServerContext, conn: Connection, conversationId: string, lastSeq: number, count: number) {
  if (foldsItself(conn.protocol)) return lanePage(ctx.store, ctx.logger, conversationId, 0, lastSeq + 1, count, lastSeq);
  return asOldClientsShow(ctx, conn, conversationId, await ctx.store.readBefore(conversationId, lastSeq + 1, count));
}

/**
 * Sync returns raw events, which protocol 5 clients fold themselves. Older ones cannot apply a
 * change, and an edited message's original may be erased: they get each message as it is now
 * (`foldPointFor`); the edge then leaves out the state, and a deleted one.
 */
function asOldClientsShow(ctx: ServerContext, conn: Connection, conversationId: string, events: LogEvent[]) {
  if (foldsItself(conn.protocol)) return events;
  return foldMessages(ctx.store, ctx.logger, conversationId, events, foldPointFor(conn.protocol, 0));
}
