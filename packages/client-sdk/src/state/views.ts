import type { LogEvent } from '@parley/protocol';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { ChatSnapshot, ConversationView, MessageView } from '../types.js';
import type { ChatState } from './chat-state.js';
import { hasOlder, unreadCount, unreadMentionCount, type ConversationState } from './conversation-state.js';
import { replyRef } from './message-content.js';
import { aggregateStatus, type ReceiptMap } from './receipts.js';
import { typingView } from './typing.js';
import { presenceView } from './presence.js';

function messageFromEvent(event: LogEvent & { kind: 'message' }, userId: string | null, receipts: ReceiptMap): MessageView {
  const view: MessageView = {
    // Own messages keep the clientMsgId key they had while pending, so lists do not remount them.
    key: event.senderId === userId ? event.clientMsgId : event.id,
    clientMsgId: event.clientMsgId,
    id: event.id,
    seq: event.seq,
    conversationId: event.conversationId,
    senderId: event.senderId,
    ...shownContent(event.data, userId),
    ts: event.ts,
    status: 'sent',
  };
  // The sender follows its own messages: sent → delivered → read (aggregated over members).
  return event.senderId === userId ? { ...view, receipt: aggregateStatus(receipts, event.seq, userId) } : view;
}

/** The content fields of a view: those the message has, and whether it mentions this user. */
function shownContent(data: Pick<MessageView, 'text' | 'custom' | 'mentions' | 'replyTo'>, userId: string | null) {
  return {
    ...(data.text !== undefined ? { text: data.text } : {}),
    ...(data.custom !== undefined ? { custom: data.custom } : {}),
    ...(data.mentions !== undefined ? { mentions: data.mentions } : {}),
    ...(data.replyTo !== undefined ? { replyTo: data.replyTo } : {}),
    mentionsMe: userId !== null && data.mentions?.includes(userId) === true,
  };
}

/** Receipts of current members only: someone who left never reads, and must not hold others back. */
function currentReceipts(conv: ConversationState | undefined): ReceiptMap {
  const summary = conv?.summary;
  if (!conv || !summary || summary.members.length !== summary.memberCount) return conv?.receipts ?? {};
  const members = new Set(summary.members);
  const ids = Object.keys(conv.receipts);
  if (ids.every((id) => members.has(id))) return conv.receipts;
  return Object.fromEntries(ids.filter((id) => members.has(id)).map((id) => [id, conv.receipts[id]!]));
}

/** How an outbox entry shows: the user's own message, pending or failed, keyed by its clientMsgId. */
export function messageFromEntry(entry: OutboxEntry, userId: string | null, conv?: ConversationState): MessageView {
  // A queued reply shows what the client knows of its quote, completed from the log if it came since.
  const replyTo = entry.replyTo && (replyRef(entry.replyTo, conv) ?? entry.replyTo);
  const view: MessageView = {
    key: entry.clientMsgId,
    clientMsgId: entry.clientMsgId,
    conversationId: entry.conversationId,
    senderId: userId ?? '',
    ...shownContent({ text: entry.text, custom: entry.custom, mentions: entry.mentions, replyTo }, userId),
    ts: entry.createdAt,
    status: entry.status,
  };
  return entry.error ? { ...view, error: entry.error } : view;
}

/**
 * A conversation's messages: confirmed ones by seq only (never by client clocks), then the user's
 * pending and failed ones in creation order. An entry whose message is already in the log (acked
 * on another path) is shown once, as sent.
 */
export function buildMessages(
  conv: ConversationState | undefined,
  entries: readonly OutboxEntry[],
  userId: string | null,
): MessageView[] {
  const views: MessageView[] = [];
  const confirmed = new Set<string>();
  const receipts = currentReceipts(conv);
  for (const event of conv?.events ?? []) {
    if (event.kind !== 'message') continue;
    views.push(messageFromEvent(event, userId, receipts));
    if (event.senderId === userId) confirmed.add(event.clientMsgId);
  }
  for (const entry of entries) if (!confirmed.has(entry.clientMsgId)) views.push(messageFromEntry(entry, userId, conv));
  return views;
}

export function buildConversation(conv: ConversationState, userId: string | null): ConversationView | null {
  if (!conv.summary) return null;
  return {
    ...conv.summary,
    unread: unreadCount(conv, userId),
    unreadMentions: unreadMentionCount(conv, userId),
    readSeq: conv.readSeq,
    hasOlder: hasOlder(conv),
  };
}

function sameItems<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean = Object.is): boolean {
  return a.length === b.length && a.every((item, i) => same(item, b[i] as T));
}

/** Send bookkeeping (attempts, timers) changes entries without changing what a UI shows. */
function sameShownEntry(a: OutboxEntry, b: OutboxEntry): boolean {
  return (
    a === b ||
    (a.clientMsgId === b.clientMsgId && a.status === b.status && a.error === b.error && a.text === b.text &&
      a.custom === b.custom && a.mentions === b.mentions && a.replyTo === b.replyTo)
  );
}

interface Cached<V> {
  conv: ConversationState | undefined;
  entries: readonly OutboxEntry[];
  userId: string | null;
  value: V;
}

/**
 * Derives snapshots from states. The same state gives the same snapshot, and parts that did not
 * change keep their identity (a conversation's message array, a conversation view), so
 * `useSyncExternalStore` and memoized components re-render only for what changed.
 */
export function createSnapshotBuilder(): (state: ChatState) => ChatSnapshot {
  let lastState: ChatState | undefined;
  let lastSnapshot: ChatSnapshot | undefined;
  let messageCache = new Map<string, Cached<readonly MessageView[]>>();
  let viewCache = new Map<string, Cached<ConversationView | null>>();

  return (state) => {
    if (state === lastState && lastSnapshot) return lastSnapshot;
    const byConversation = new Map<string, OutboxEntry[]>();
    for (const entry of state.outbox) {
      const list = byConversation.get(entry.conversationId);
      if (list) list.push(entry);
      else byConversation.set(entry.conversationId, [entry]);
    }
    const ids = new Set([...state.conversations.keys(), ...byConversation.keys()]);
    const nextMessages = new Map<string, Cached<readonly MessageView[]>>();
    const nextViews = new Map<string, Cached<ConversationView | null>>();
    const messages: Record<string, readonly MessageView[]> = {};
    const conversations: ConversationView[] = [];

    for (const id of ids) {
      const conv = state.conversations.get(id);
      const entries = byConversation.get(id) ?? [];
      const cachedMessages = messageCache.get(id);
      const reuse =
        cachedMessages &&
        cachedMessages.conv === conv &&
        cachedMessages.userId === state.userId &&
        sameItems(cachedMessages.entries, entries, sameShownEntry);
      const list = reuse ? cachedMessages.value : Object.freeze(buildMessages(conv, entries, state.userId));
      nextMessages.set(id, { conv, entries, userId: state.userId, value: list });
      messages[id] = list;

      if (!conv) continue;
      const cachedView = viewCache.get(id);
      const view =
        cachedView && cachedView.conv === conv && cachedView.userId === state.userId
          ? cachedView.value
          : buildConversation(conv, state.userId);
      nextViews.set(id, { conv, entries: [], userId: state.userId, value: view });
      if (view) conversations.push(view);
    }
    conversations.sort((a, b) => b.lastActivityAt - a.lastActivityAt || (a.id < b.id ? -1 : 1));
    messageCache = nextMessages;
    viewCache = nextViews;

    const previous = lastSnapshot;
    const prevState = lastState;
    const unchanged =
      previous &&
      previous.connection === state.connection &&
      previous.userId === state.userId &&
      prevState?.typing === state.typing &&
      prevState.presence === state.presence &&
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
        });
    return lastSnapshot;
  };
}
