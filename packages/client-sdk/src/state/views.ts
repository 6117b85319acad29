import type { OutboxEntry } from '../storage/client-storage.js';
import type { ChatSnapshot, ConversationView, MessageView } from '../types.js';
import type { ChatState, UploadsState } from './chat-state.js';
import { firstIndexAbove, hasOlder, unreadCount, unreadMentionCount, type ConversationState } from './conversation-state.js';
import { roleAfter } from './group-fold.js';
import { blocksView, profilesView } from './people-state.js';
import { buildMessages as buildTimeline, type LaneContext } from './message-views.js';
import type { ReceiptMap } from './receipts.js';
import { typingView } from './typing.js';
import { presenceView } from './presence.js';
import { createWindowsView } from './timeline-window.js';
import { createLaneBuilder, type LaneBuilder } from './lane-builder.js';
import { sameItems, sameShownEntry } from './lane-compare.js';

/** Receipts of current members only: someone who left never reads, and must not hold others back. */
function currentReceipts(conv: ConversationState | undefined): ReceiptMap {
  const summary = conv?.summary;
  if (!conv || !summary || summary.members.length !== summary.memberCount) return conv?.receipts ?? {};
  const members = new Set(summary.members);
  const ids = Object.keys(conv.receipts);
  if (ids.every((id) => members.has(id))) return conv.receipts;
  return Object.fromEntries(ids.filter((id) => members.has(id)).map((id) => [id, conv.receipts[id]!]));
}

export { messageFromEntry } from './message-views.js';

/**
 * The edit window the server announced (`welcome.limits.editWindowMs`), or undefined when it
 * announced none (a sender may always edit) or the client was not welcomed yet.
 */
export function editWindowOf(state: Pick<ChatState, 'limits'>): number | undefined {
  const ms = state.limits['editWindowMs'];
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** What a lane's views depend on besides the log and the outbox: receipts of current members only. */
function laneContextOf(conv: ConversationState | undefined, editWindowMs: number | undefined, uploads: UploadsState | undefined): LaneContext {
  return { receipts: currentReceipts(conv), editWindowMs, ...(uploads ? { uploads } : {}) };
}

/** A conversation's main timeline as shown (receipts of current members only). */
export function buildMessages(
  conv: ConversationState | undefined,
  entries: readonly OutboxEntry[],
  userId: string | null,
  editWindowMs?: number,
  uploads?: UploadsState,
): MessageView[] {
  return buildTimeline(conv, entries, userId, laneContextOf(conv, editWindowMs, uploads));
}

const NO_PROGRESS: readonly unknown[] = Object.freeze([]);

/** The upload progress the entries' files show (compared by identity: the views change when it does). */
function progressShown(entries: readonly OutboxEntry[], uploads: UploadsState): readonly unknown[] {
  if (uploads.size === 0) return NO_PROGRESS;
  const out: unknown[] = [];
  for (const entry of entries) for (const file of entry.attachments ?? []) if (!file.uploaded) out.push(uploads.get(file.localId));
  return out;
}

/** Whether a conversation is muted at `now` (its `mutedUntil` still ahead). */
export function isMuted(conv: ConversationState, now: number): boolean {
  const until = conv.summary?.mutedUntil;
  return until !== undefined && until > now;
}

export function buildConversation(conv: ConversationState, userId: string | null, now: number = Date.now()): ConversationView | null {
  if (!conv.summary) return null;
  const { role: _role, ...summary } = conv.summary;
  // The server's role for this user, then what the log said of them since.
  const role = roleAfter(conv.server?.role, conv.server ? conv.events.slice(firstIndexAbove(conv.events, conv.server.lastSeq)) : [], userId);
  return {
    ...summary,
    ...(role !== undefined ? { role } : {}),
    unread: unreadCount(conv, userId),
    unreadMentions: unreadMentionCount(conv, userId),
    readSeq: conv.readSeq,
    hasOlder: hasOlder(conv),
    muted: isMuted(conv, now),
  };
}

/** The next time a conversation's `muted` flips (the earliest `mutedUntil` still ahead), if any. */
export function nextMuteChange(state: ChatState, now: number): number | undefined {
  let next: number | undefined;
  for (const conv of state.conversations.values()) {
    const until = conv.summary?.mutedUntil;
    if (until !== undefined && until > now && (next === undefined || until < next)) next = until;
  }
  return next;
}

interface Cached<V> {
  conv: ConversationState | undefined;
  entries: readonly OutboxEntry[];
  userId: string | null;
  /** A number, not the limits object: every welcome brings a new one, mostly with the same window. */
  editWindowMs: number | undefined;
  /** The upload progress the entries' files showed (`progressShown`). */
  progress: readonly unknown[];
  /** For conversation views: whether it was muted when built (time alone flips it). */
  muted?: boolean;
  value: V;
}

/**
 * Derives snapshots from states. The same state gives the same snapshot, and parts that did not
 * change keep their identity (a conversation's message array, a conversation view), so
 * `useSyncExternalStore` and memoized components re-render only for what changed.
 */
export function createSnapshotBuilder(now: () => number = Date.now): (state: ChatState) => ChatSnapshot {
  let lastState: ChatState | undefined;
  /** When the last snapshot goes stale by time alone (a mute running out). */
  let staleAt: number | undefined;
  let lastSnapshot: ChatSnapshot | undefined;
  let messageCache = new Map<string, Cached<readonly MessageView[]>>();
  let lanes = new Map<string, LaneBuilder>();
  let viewCache = new Map<string, Cached<ConversationView | null>>();
  const windowsView = createWindowsView();

  return (state) => {
    const at = now();
    if (state === lastState && lastSnapshot && (staleAt === undefined || at < staleAt)) return lastSnapshot;
    staleAt = nextMuteChange(state, at);
    const byConversation = new Map<string, OutboxEntry[]>();
    for (const entry of state.outbox) {
      const list = byConversation.get(entry.conversationId);
      if (list) list.push(entry);
      else byConversation.set(entry.conversationId, [entry]);
    }
    const ids = new Set([...state.conversations.keys(), ...byConversation.keys()]);
    const editWindowMs = editWindowOf(state);
    const nextMessages = new Map<string, Cached<readonly MessageView[]>>();
    const nextLanes = new Map<string, LaneBuilder>();
    const nextViews = new Map<string, Cached<ConversationView | null>>();
    const messages: Record<string, readonly MessageView[]> = {};
    const conversations: ConversationView[] = [];

    for (const id of ids) {
      const conv = state.conversations.get(id);
      const entries = byConversation.get(id) ?? [];
      const cachedMessages = messageCache.get(id);
      const progress = progressShown(entries, state.uploads);
      const reuse =
        cachedMessages &&
        cachedMessages.conv === conv &&
        cachedMessages.userId === state.userId &&
        cachedMessages.editWindowMs === editWindowMs &&
        sameItems(cachedMessages.entries, entries, sameShownEntry) &&
        sameItems(cachedMessages.progress, progress);
      const lane = lanes.get(id) ?? createLaneBuilder((thread) => thread === undefined);
      nextLanes.set(id, lane);
      const list = reuse ? cachedMessages.value : lane(conv, entries, state.userId, laneContextOf(conv, editWindowMs, state.uploads));
      nextMessages.set(id, { conv, entries, userId: state.userId, editWindowMs, progress, value: list });
      messages[id] = list;

      if (!conv) continue;
      const cachedView = viewCache.get(id);
      const muted = isMuted(conv, at);
      const view =
        cachedView && cachedView.conv === conv && cachedView.userId === state.userId && cachedView.muted === muted
          ? cachedView.value
          : buildConversation(conv, state.userId, at);
      nextViews.set(id, { conv, entries: [], userId: state.userId, editWindowMs, progress: NO_PROGRESS, muted, value: view });
      if (view) conversations.push(view);
    }
    conversations.sort((a, b) => b.lastActivityAt - a.lastActivityAt || (a.id < b.id ? -1 : 1));
    messageCache = nextMessages;
    lanes = nextLanes;
    viewCache = nextViews;

    const previous = lastSnapshot;
    const prevState = lastState;
    const unchanged =
      previous &&
      previous.connection === state.connection &&
      previous.userId === state.userId &&
      prevState?.typing === state.typing &&
      prevState.presence === state.presence &&
      prevState.blocks === state.blocks &&
      prevState.users === state.users &&
      prevState.limits === state.limits &&
      prevState.windows === state.windows &&
      sameItems(previous.conversations, conversations) &&
      Object.keys(previous.messages).length === ids.size &&
      [...ids].every((id) => previous.messages[id] === messages[id]);
    lastState = state;
    lastSnapshot = unchanged
      ? previous
      : Object.freeze({
          connection: state.connection,
          userId: state.userId,
          conversations: Object.freeze(conversations),
          messages: Object.freeze(messages),
          typing: previous && prevState?.typing === state.typing ? previous.typing : typingView(state.typing),
          presence: previous && prevState?.presence === state.presence ? previous.presence : presenceView(state.presence),
          blocks: blocksView(state.blocks),
          users: profilesView(state.users),
          limits: state.limits,
          windows: windowsView(state.windows),
        });
    return lastSnapshot;
  };
}

/** The entries of one conversation, in outbox order. */
function entriesOf(state: ChatState, conversationId: string): OutboxEntry[] {
  return state.outbox.filter((e) => e.conversationId === conversationId);
}

/**
 * Derives threads (`getThread`) from states, each memoized like the snapshot's message lists: the
 * same array back while nothing it shows changed, so `useSyncExternalStore` can read it directly.
 */
export function createThreadReader(): (state: ChatState, conversationId: string, rootId: string) => readonly MessageView[] {
  const cache = new Map<string, Cached<readonly MessageView[]> & { lane: LaneBuilder }>();
  return (state, conversationId, rootId) => {
    const key = `${conversationId}\n${rootId}`;
    const conv = state.conversations.get(conversationId);
    const entries = entriesOf(state, conversationId);
    const editWindowMs = editWindowOf(state);
    const progress = progressShown(entries, state.uploads);
    const cached = cache.get(key);
    if (
      cached && cached.conv === conv && cached.userId === state.userId && cached.editWindowMs === editWindowMs &&
      sameItems(cached.entries, entries, sameShownEntry) && sameItems(cached.progress, progress)
    ) return cached.value;
    const lane = cached?.lane ?? createLaneBuilder((thread) => thread === rootId);
    const value = lane(conv, entries, state.userId, laneContextOf(conv, editWindowMs, state.uploads));
    // Threads are opened one at a time: a few kept is plenty, and memory stays bounded.
    if (cache.size >= 64 && !cache.has(key)) cache.delete(cache.keys().next().value ?? key);
    cache.set(key, { conv, entries, userId: state.userId, editWindowMs, progress, value, lane });
    return value;
  };
}
