import { isUnread, isUnreadMention, type ConversationSummary, type LogEvent } from '@parley/protocol';
import { NO_RECEIPTS, mergeSummaryReceipts, type ReceiptMap } from './receipts.js';
import { eraseDeleted, replaces } from './message-fold.js';
import { foldGroupEvent } from './group-fold.js';

/**
 * What the client holds of one conversation. Immutable: every change returns a new object and
 * "nothing changed" returns the same one, so views can be memoized by identity.
 */
export interface ConversationState {
  readonly id: string;
  /** The summary exactly as the server last sent it (the unread formula starts from it). */
  readonly server: ConversationSummary | null;
  /** `server` with the held events past `server.lastSeq` folded in (members, lastSeq, activity). */
  readonly summary: ConversationSummary | null;
  /**
   * Highest seq up to which the held log is contiguous; `null` while the client holds no
   * position in the log yet (a full sync then fetches its tail), unless it holds seq 1.
   */
  readonly cursor: number | null;
  /**
   * Held events, ascending by seq, unique by seq. Events past `cursor + 1` wait for a gap fill.
   * Below the cursor there are holes: history pages and cold-sync tails list one lane (the main
   * timeline, or a thread) with changes folded into the messages' `state`.
   */
  readonly events: readonly LogEvent[];
  /**
   * From which seq the main timeline (top-level messages, membership events) is held complete up
   * to the cursor; `null` while unknown. `loadOlder` asks for the page before it.
   */
  readonly timelineFrom: number | null;
  /** This user's read watermark as known locally (never behind the server's). */
  readonly readSeq: number;
  /** Members' watermarks as this user sees them (empty for large conversations). */
  readonly receipts: ReceiptMap;
}

export function emptyConversation(id: string): ConversationState {
  return { id, server: null, summary: null, cursor: null, events: [], timelineFrom: null, readSeq: 0, receipts: NO_RECEIPTS };
}

/** `from` (the server's summary, or one already folded from it) with the events past `afterSeq` folded in. */
function foldSummary(from: ConversationSummary | null, events: readonly LogEvent[], afterSeq = from?.lastSeq ?? 0): ConversationSummary | null {
  if (!from) return null;
  let summary = from;
  for (let i = firstIndexAbove(events, afterSeq); i < events.length; i += 1) {
    const event = events[i];
    if (!event) continue;
    let members = summary.members;
    let memberCount = summary.memberCount;
    // A full member list is what lets us count exactly; large groups only carry a count.
    const complete = members.length === memberCount;
    if (event.kind === 'members.added') {
      const fresh = event.data.userIds.filter((u) => !members.includes(u));
      if (complete) members = [...members, ...fresh];
      memberCount += complete ? fresh.length : event.data.userIds.length;
    } else if (event.kind === 'members.removed') {
      const gone = new Set(event.data.userIds);
      if (complete) members = members.filter((u) => !gone.has(u));
      memberCount = complete ? members.length : Math.max(0, memberCount - gone.size);
    }
    // The owner left: the log names the heir, whom the summary the server sent does not know yet.
    const heir = event.kind === 'members.removed' ? event.data.ownerId : undefined;
    summary = foldGroupEvent({
      ...summary,
      ...(heir !== undefined ? { ownerId: heir } : {}),
      members,
      memberCount,
      lastSeq: Math.max(summary.lastSeq, event.seq),
      lastActivityAt: Math.max(summary.lastActivityAt, event.ts),
    }, event);
  }
  return summary;
}

/** Index of the first event with seq > `seq` (binary search). */
export function firstIndexAbove(events: readonly LogEvent[], seq: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid]?.seq ?? 0) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function advanceCursor(cursor: number | null, events: readonly LogEvent[]): number | null {
  // Holding seq 1 places the log without a sync: nothing can come before the first event.
  if (cursor === null && events[0]?.seq !== 1) return null;
  let next = cursor ?? 0;
  for (let i = firstIndexAbove(events, next); i < events.length && events[i]?.seq === next + 1; i += 1) next += 1;
  return next;
}

function withEvents(conv: ConversationState, events: readonly LogEvent[], cursor: number | null): ConversationState {
  const next = advanceCursor(cursor, events);
  // Placed from seq 1 by raw events: the whole timeline below the cursor is held.
  const timelineFrom = conv.timelineFrom ?? (cursor === null && next !== null ? 1 : null);
  // Events only added at the end: the summary folded so far goes on with the new ones.
  const added = conv.summary && eventsAddedSince(conv.events, events);
  const summary = added ? foldSummary(conv.summary, added, conv.server?.lastSeq ?? 0) : foldSummary(conv.server, events);
  return { ...conv, events, cursor: next, timelineFrom, summary };
}

/**
 * Adds events, deduplicated by seq, and advances the cursor over what became contiguous. A held
 * seq is kept unless the incoming copy is a message folded further (`replaces`); a deleted
 * message's held content is erased (`eraseDeleted`).
 */
export function applyEvents(conv: ConversationState, incoming: readonly LogEvent[]): ConversationState {
  const fresh = new Map<number, LogEvent>();
  let replaced = false;
  // Past the last held seq (a live push, the usual case) the held events need no look-up.
  const last = conv.events[conv.events.length - 1]?.seq ?? 0;
  for (const event of incoming) {
    if (event.conversationId !== conv.id) continue;
    const before = fresh.get(event.seq) ?? (event.seq <= last ? heldAt(conv.events, event.seq) : undefined);
    if (before && !replaces(before, event)) continue;
    fresh.set(event.seq, event);
    if (event.seq <= last && heldAt(conv.events, event.seq)) replaced = true;
  }
  if (fresh.size === 0) return conv;
  const kept = replaced ? conv.events.filter((e) => !fresh.has(e.seq)) : conv.events;
  const added = [...fresh.values()].sort((a, b) => a.seq - b.seq);
  const appends = !replaced && (added[0]?.seq ?? 0) > last;
  const joined = appends ? kept.concat(added) : [...kept, ...added].sort((a, b) => a.seq - b.seq);
  const merged = eraseDeleted(joined);
  if (appends) noteAppended(conv.events, merged, merged === joined);
  return withEvents(conv, merged, conv.cursor);
}

/** The held event at `seq`, if any (binary search). */
function heldAt(events: readonly LogEvent[], seq: number): LogEvent | undefined {
  const event = events[firstIndexAbove(events, seq) - 1];
  return event?.seq === seq ? event : undefined;
}

/**
 * Which event arrays extend which: `next` holds every event of `base` unchanged, at the same
 * index, then `added`. Views use it to update only what the new events touch; an array without an
 * entry (a page inserted below, a delete that erased a held message) is derived from scratch.
 */
const appended = new WeakMap<readonly LogEvent[], { readonly base: readonly LogEvent[]; readonly added: readonly LogEvent[] }>();

function noteAppended(base: readonly LogEvent[], next: readonly LogEvent[], unerased: boolean): void {
  // An erasure may have rewritten a held event (a delete does; a late message quoting a deleted one does not).
  if (!unerased) for (let i = 0; i < base.length; i += 1) if (next[i] !== base[i]) return;
  appended.set(next, { base, added: next.slice(base.length) });
}

/**
 * The events `next` added at its end since `base`, when it only added (followed over up to
 * `maxSteps` states); undefined when something else changed or the chain is lost.
 */
export function eventsAddedSince(base: readonly LogEvent[], next: readonly LogEvent[], maxSteps = 64): readonly LogEvent[] | undefined {
  if (base === next) return [];
  let at = next;
  for (let step = 0; step < maxSteps; step += 1) {
    const link = appended.get(at);
    if (!link) return undefined;
    if (link.base === base) return next.slice(base.length);
    at = link.base;
  }
  return undefined;
}

/**
 * Takes the tail of the main timeline a sync sends for a conversation the client named no cursor
 * for: its messages are folded as of the summary's `lastSeq` (`lastSeq`), which is where the
 * client's position starts; the timeline is held from the tail's first event. Without `lastSeq`
 * (no summary), the position starts just before the tail.
 */
export function applyTail(conv: ConversationState, tail: readonly LogEvent[], lastSeq?: number): ConversationState {
  const first = tail[0];
  if (conv.cursor !== null || !first) return applyEvents(conv, tail);
  // Events pushed before the tail and older than it would leave a hole below it: drop them.
  const kept = conv.events.filter((e) => e.seq >= first.seq);
  const start = lastSeq !== undefined && lastSeq >= first.seq ? lastSeq : first.seq - 1;
  // Advance over the held events too: the tail may repeat only what was already pushed.
  const placed = withEvents({ ...conv, timelineFrom: first.seq }, kept, start);
  return applyEvents(placed, tail);
}

/**
 * A history page of the main timeline, asked before `beforeSeq` (undefined: the newest page): it
 * holds every timeline event from its first one up to `beforeSeq`, so when it joins what is held
 * the timeline is complete from its first event (from seq 1 when no older page exists).
 */
export function applyTimelinePage(
  conv: ConversationState,
  page: { events: readonly LogEvent[]; hasMore: boolean },
  beforeSeq: number | undefined,
): ConversationState {
  const next = applyEvents(conv, page.events);
  const held = olderPageBefore(conv);
  const joins = beforeSeq === undefined ? held === undefined : held !== undefined && beforeSeq >= held;
  if (!joins) return next;
  const from = page.hasMore ? (page.events[0]?.seq ?? beforeSeq) : 1;
  if (from === undefined || (next.timelineFrom !== null && next.timelineFrom <= from)) return next;
  return { ...next, timelineFrom: from };
}

/** After a sync that brought no events for a conversation, its position is its last seq. */
export function settleCursor(conv: ConversationState): ConversationState {
  if (conv.cursor !== null || !conv.server) return conv;
  return withEvents(conv, conv.events, conv.server.lastSeq);
}

/** Takes a summary from the server unless it is older than the one held. */
export function applyServerSummary(conv: ConversationState, server: ConversationSummary): ConversationState {
  if (conv.server && server.lastSeq < conv.server.lastSeq) return conv;
  const next = { ...conv, server, readSeq: Math.max(conv.readSeq, server.readSeq), receipts: mergeSummaryReceipts(conv.receipts, server) };
  return { ...next, summary: foldSummary(server, next.events) };
}

/** Moves the local read watermark forward (never back). */
export function markRead(conv: ConversationState, seq: number): ConversationState {
  return seq > conv.readSeq ? { ...conv, readSeq: seq } : conv;
}

/** The range to fetch when events past a hole are held: everything after `afterSeq`. */
export interface Gap {
  readonly conversationId: string;
  /** The cursor to send: the server answers with the events after it. */
  readonly afterSeq: number;
  /** The first held seq past the hole. */
  readonly beforeSeq: number;
}

/** The hole between the cursor and the held events past it, if any. */
export function findGap(conv: ConversationState): Gap | null {
  if (conv.cursor === null) return null;
  const next = conv.events[firstIndexAbove(conv.events, conv.cursor)];
  return next ? { conversationId: conv.id, afterSeq: conv.cursor, beforeSeq: next.seq } : null;
}

/**
 * True when events are held for a conversation without a position in its log or without a
 * summary (one the client just learned of): only a full sync (which returns the tail and the
 * summary of every conversation it does not name) completes it.
 */
export function needsTail(conv: ConversationState): boolean {
  return (conv.cursor === null || conv.server === null) && conv.events.length > 0;
}

/**
 * The `beforeSeq` for the next older page of the main timeline, or undefined for the newest page:
 * where the held timeline is complete from, else just above the cursor.
 */
export function olderPageBefore(conv: ConversationState): number | undefined {
  return conv.timelineFrom ?? (conv.cursor === null ? undefined : conv.cursor + 1);
}

/** Whether older timeline events exist than the oldest held one. */
export function hasOlder(conv: ConversationState): boolean {
  const before = olderPageBefore(conv);
  return before === undefined ? (conv.server?.lastSeq ?? 0) > 0 : before > 1;
}

type Counts = (event: LogEvent, userId: string | null, readSeq: number) => boolean;

/**
 * How many held and server-counted events `counts` (the protocol's formula) after the read
 * watermark. Starts from the server's count (`serverCount`, which covers the log up to its
 * `lastSeq`) and adds what arrived since.
 */
function countAfterRead(conv: ConversationState, userId: string | null, counts: Counts, serverCount: number): number {
  const base = conv.server ?? { lastSeq: 0, readSeq: 0 };
  let total = 0;
  if (conv.readSeq < base.lastSeq) {
    // Read part of the range the server counted: subtract what we hold of that part.
    let readSince = 0;
    for (let i = firstIndexAbove(conv.events, base.readSeq); i < conv.events.length; i += 1) {
      const e = conv.events[i];
      if (!e || e.seq > conv.readSeq) break;
      if (counts(e, userId, base.readSeq)) readSince += 1;
    }
    total = Math.max(0, serverCount - readSince);
  }
  const from = Math.max(conv.readSeq, base.lastSeq);
  for (let i = firstIndexAbove(conv.events, from); i < conv.events.length; i += 1) {
    const e = conv.events[i];
    if (e && counts(e, userId, conv.readSeq)) total += 1;
  }
  return total;
}

/** Unread: message events after the read watermark sent by someone else (`isUnread`). */
export function unreadCount(conv: ConversationState, userId: string | null): number {
  return countAfterRead(conv, userId, isUnread, conv.server?.unread ?? 0);
}

/**
 * Unread messages that mention this user (`isUnreadMention`), kept the same way as `unread`. A
 * summary cached by a release before mentions has no count: none is assumed until the next sync.
 */
export function unreadMentionCount(conv: ConversationState, userId: string | null): number {
  return countAfterRead(conv, userId, isUnreadMention, conv.server?.unreadMentions ?? 0);
}
