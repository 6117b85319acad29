import {
  isChange,
  type AckFrame,
  type ConversationSummary,
  type HistoryResultFrame,
  type LogEvent,
  type MessageData,
  type SyncResultFrame,
} from '@parley/protocol';
import type { ConnectionState } from '../types.js';
import type { UploadProgress } from '../message-types.js';
import {
  applyEvents,
  applyServerSummary,
  applyTail,
  applyTimelinePage,
  emptyConversation,
  findGap,
  markRead,
  needsTail,
  settleCursor,
  type ConversationState,
  type Gap,
} from './conversation-state.js';
import { findEntry, removeEntry, type Outbox } from './outbox.js';
import { storedData } from './message-content.js';
import { changeEventFromAck, withReplaced } from './change-events.js';
import { applyReceiptUpdate, receiptsCursor, summaryReceipts } from './receipts.js';
import { NO_TYPING, type TypingState } from './typing.js';
import { NO_PRESENCE, type PresenceState } from './presence.js';
import { NO_PROFILES, type ProfileMap } from './people-state.js';
import type { WindowsState } from './timeline-window.js';
import { withWindowEvents } from './window-events.js';

/** Everything the client knows, as one immutable value; the snapshot is derived from it. */
export interface ChatState {
  readonly userId: string | null;
  readonly connection: ConnectionState;
  readonly conversations: ReadonlyMap<string, ConversationState>;
  readonly outbox: Outbox;
  /** Who is typing where, until when (soft state, never stored). */
  readonly typing: TypingState;
  /** Followed users' presence. */
  readonly presence: PresenceState;
  /** The limits the server's last `welcome` announced (none before): a deployment may lower them. */
  readonly limits: Readonly<Record<string, number>>;
  /** The users this user blocks; `null` until the server (or the cache) told. */
  readonly blocks: readonly string[] | null;
  /** Profiles fetched so far. */
  readonly users: ProfileMap;
  /**
   * Progress of the uploads under way, by `OutboxAttachment.localId`: soft state, never stored (an
   * upload cut by a reload starts again from the outbox), shared with the other tabs.
   */
  readonly uploads: UploadsState;
  /**
   * The detached windows of timelines the user jumped to (`loadAround`), by conversation: view
   * state, never stored, shared with the other tabs. Never part of `conversations`' events.
   */
  readonly windows: WindowsState;
  /**
   * Conversations this user left or was removed from, with the seq the conversation had then: an
   * answer the server made before (a sync page, a summary at or before that seq) must not bring
   * them back. Soft state, never stored; a later summary (the user added again) clears it.
   */
  readonly left?: ReadonlyMap<string, number>;
}

/** Whether what the server said of a conversation at `seq` predates the user leaving it. */
function predatesLeaving(state: ChatState, conversationId: string, seq: number): boolean {
  const at = state.left?.get(conversationId);
  return at !== undefined && seq <= at;
}

/** The user left (or was removed from) a conversation when it was at `atSeq`: it goes, and stays gone for older answers. */
export function leaveConversation(state: ChatState, conversationId: string, atSeq: number): ChatState {
  const left = new Map(state.left ?? []);
  left.set(conversationId, Math.max(left.get(conversationId) ?? 0, atSeq));
  return { ...removeConversations(state, [conversationId]), left };
}

/** Upload progress by file `localId`. */
export type UploadsState = ReadonlyMap<string, UploadProgress>;
export const NO_UPLOADS: UploadsState = new Map();

export function initialChatState(connection: ConnectionState): ChatState {
  return {
    userId: null, connection, conversations: new Map(), outbox: [], typing: NO_TYPING, presence: NO_PRESENCE, limits: {}, blocks: null, users: NO_PROFILES,
    uploads: NO_UPLOADS, windows: new Map(),
  };
}

function updateConversation(
  state: ChatState,
  id: string,
  update: (conv: ConversationState) => ConversationState,
): ChatState {
  const before = state.conversations.get(id);
  const after = update(before ?? emptyConversation(id));
  if (after === before) return state;
  const conversations = new Map(state.conversations);
  conversations.set(id, after);
  return { ...state, conversations };
}

function groupByConversation(events: readonly LogEvent[]): Map<string, LogEvent[]> {
  const groups = new Map<string, LogEvent[]>();
  for (const event of events) {
    const group = groups.get(event.conversationId);
    if (group) group.push(event);
    else groups.set(event.conversationId, [event]);
  }
  return groups;
}

/** Whether an event is one a device sends (a message or a change), named by its `clientMsgId`. */
export function isSent(event: LogEvent): event is Extract<LogEvent, { clientMsgId: string }> {
  return event.kind === 'message' || isChange(event);
}

/**
 * An own message or change seen in the log is durable, whatever path it came by (ack, sync,
 * another device's push): its outbox entry is settled, which is the dedup by clientMsgId.
 */
function settleOwnMessages(state: ChatState, events: readonly LogEvent[]): ChatState {
  let outbox = state.outbox;
  for (const event of events) {
    if (!isSent(event) || event.senderId !== state.userId) continue;
    const entry = findEntry(outbox, event.clientMsgId);
    if (entry && entry.conversationId === event.conversationId) outbox = removeEntry(outbox, entry.clientMsgId);
  }
  return outbox === state.outbox ? state : { ...state, outbox };
}

/**
 * Folds events into the log. A conversation without a position in the log takes them as its tail
 * when `asTail` (sync, first history page); pushed ones are held until a sync places them.
 */
export function applyIncomingEvents(state: ChatState, events: readonly LogEvent[], asTail = false): ChatState {
  if (state.left && events.some((e) => predatesLeaving(state, e.conversationId, e.seq))) {
    events = events.filter((e) => !predatesLeaving(state, e.conversationId, e.seq));
  }
  let next = state;
  for (const [id, group] of groupByConversation(events)) {
    next = updateConversation(next, id, (conv) =>
      asTail && conv.cursor === null ? applyTail(conv, group, conv.server?.lastSeq) : applyEvents(conv, group),
    );
  }
  return settleOwnMessages(next, events);
}

/** The event an ack proves to exist, built from the outbox entry it settles. */
export function eventFromAck(ack: AckFrame, data: MessageData, userId: string): LogEvent {
  return {
    id: ack.eventId,
    conversationId: ack.conversationId,
    seq: ack.seq,
    senderId: userId,
    ts: ack.ts,
    kind: 'message',
    clientMsgId: ack.clientMsgId,
    data,
  };
}

/**
 * An ack: the entry leaves the outbox and its message enters the log at the acked seq. The same
 * state back when the entry quotes a message the client cannot quote exactly: the log never
 * changes a held event, so only the server's copy (by sync) may enter it.
 */
export function applyAck(state: ChatState, ack: AckFrame): ChatState {
  const entry = findEntry(state.outbox, ack.clientMsgId);
  if (!entry || state.userId === null) return state;
  const conv = state.conversations.get(entry.conversationId);
  if (entry.change) {
    // A change enters the log once the client holds its target (the event names its seq), in
    // the cache or in a window the user jumped to (whose view folds the log's changes).
    const event = changeEventFromAck(ack, entry.change, withWindowEvents(state, entry.conversationId), state.userId);
    return event ? applyIncomingEvents(state, [withReplaced(event, ack.replaced)]) : state;
  }
  const data = storedData(entry, conv);
  return data ? applyIncomingEvents(state, [withReplaced(eventFromAck(ack, data, state.userId), ack.replaced)]) : state;
}

export function applySummary(state: ChatState, summary: ConversationSummary): ChatState {
  if (predatesLeaving(state, summary.id, summary.lastSeq)) return state;
  let base = state;
  if (state.left?.has(summary.id)) {
    // Newer than the leaving: the user is in it again.
    const left = new Map(state.left);
    left.delete(summary.id);
    base = { ...state, left };
  }
  return updateConversation(base, summary.id, (conv) => applyServerSummary(conv, summary));
}

export function removeConversations(state: ChatState, ids: readonly string[]): ChatState {
  if (!ids.some((id) => state.conversations.has(id))) return state;
  const conversations = new Map(state.conversations);
  for (const id of ids) conversations.delete(id);
  // A conversation left (or removed) takes its window with it.
  if (!ids.some((id) => state.windows.has(id))) return { ...state, conversations };
  const windows = new Map(state.windows);
  for (const id of ids) windows.delete(id);
  return { ...state, conversations, windows };
}

/** One page of a sync answer. */
export function applySyncResult(state: ChatState, frame: SyncResultFrame): ChatState {
  // A page the server made before the user left a conversation does not bring it back.
  const listed = state.left ? frame.conversations.filter((s) => !predatesLeaving(state, s.id, s.lastSeq)) : frame.conversations;
  let next = removeConversations(state, frame.removed);
  for (const summary of listed) next = applySummary(next, summary);
  next = applyIncomingEvents(next, frame.events, true);
  // A listed conversation's tail comes in the same page as its summary: one still without a
  // position after it has no events.
  for (const summary of listed) next = updateConversation(next, summary.id, settleCursor);
  return next;
}

/**
 * A history page asked before `beforeSeq`: a thread's replies join the log as they are; a page of
 * the main timeline also extends how far back the timeline is held (`timelineFrom`). Neither
 * places a conversation's position: a page has holes (changes, other lanes), only a sync does.
 */
export function applyHistoryResult(state: ChatState, frame: HistoryResultFrame, beforeSeq?: number): ChatState {
  const mine = frame.events.filter((e) => e.conversationId === frame.conversationId);
  const next = updateConversation(state, frame.conversationId, (conv) =>
    frame.threadId === undefined ? applyTimelinePage(conv, { events: mine, hasMore: frame.hasMore }, beforeSeq) : applyEvents(conv, mine),
  );
  return settleOwnMessages(next, mine);
}

export function applyRead(state: ChatState, conversationId: string, seq: number): ChatState {
  if (!state.conversations.has(conversationId)) return state;
  return updateConversation(state, conversationId, (conv) => markRead(conv, seq));
}

/** A member's watermarks moved (`receipt.update`): theirs in the receipts, ours also as read position. */
export function applyReceipt(
  state: ChatState,
  frame: { conversationId: string; userId: string; deliveredSeq: number; readSeq?: number },
): ChatState {
  if (!state.conversations.has(frame.conversationId)) return state;
  const receipt = frame.readSeq === undefined
    ? { userId: frame.userId, deliveredSeq: frame.deliveredSeq }
    : { userId: frame.userId, deliveredSeq: frame.deliveredSeq, readSeq: frame.readSeq };
  const next = updateConversation(state, frame.conversationId, (conv) => {
    // Large conversations carry no receipts: only this user's own position is kept there.
    const tracked = Object.keys(conv.receipts).length > 0 || (conv.server !== null && summaryReceipts(conv.server).length > 0);
    const receipts = tracked ? applyReceiptUpdate(conv.receipts, receipt) : conv.receipts;
    return receipts === conv.receipts ? conv : { ...conv, receipts };
  });
  return frame.userId === state.userId && frame.readSeq !== undefined ? applyRead(next, frame.conversationId, frame.readSeq) : next;
}

/** What the held state asks of the server: gap fills, and whether only a full sync will do. */
export function syncNeeds(state: ChatState): { gaps: Gap[]; fullSync: boolean } {
  const gaps: Gap[] = [];
  let fullSync = false;
  for (const conv of state.conversations.values()) {
    if (needsTail(conv)) fullSync = true;
    const gap = findGap(conv);
    if (gap) gaps.push(gap);
  }
  return { gaps, fullSync };
}

/**
 * The cursors a full sync names: every conversation the client holds a position and a summary
 * for. The rest are left unnamed so the server sends their summary and tail.
 */
export function syncCursors(state: ChatState): SyncCursor[] {
  const cursors: SyncCursor[] = [];
  for (const conv of state.conversations.values()) {
    if (conv.cursor === null || conv.server === null) continue;
    // The read position and receipts held let the server return what moved while we were away.
    const cursor: SyncCursor = { conversationId: conv.id, seq: conv.cursor, readSeq: conv.readSeq };
    if (summaryReceipts(conv.server).length > 0) cursor.receipts = receiptsCursor(conv.receipts);
    cursors.push(cursor);
  }
  return cursors;
}

type SyncCursor = { conversationId: string; seq: number; readSeq?: number; receipts?: number };
