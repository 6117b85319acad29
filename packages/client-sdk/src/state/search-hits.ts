import {
  Limits,
  foldTarget,
  matchSearch,
  messageSearchText,
  searchSnippet,
  type MessageEvent,
  type SearchTerm,
} from '@parley/protocol';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { SearchHitView } from '../search-types.js';
import type { MessageView } from '../types.js';
import type { ChatState } from './chat-state.js';
import { namesMessage } from './change-events.js';
import { emptyConversation } from './conversation-state.js';
import { buildMessages, buildThread } from './message-views.js';
import { editWindowOf, messageFromEntry } from './views.js';

/** What a search filters on besides the text. */
export interface SearchFilter {
  readonly conversationId?: string;
  readonly senderId?: string;
  readonly before?: number;
  readonly after?: number;
}

/** Whether a message by `senderId` at `ts` in `conversationId` passes the filter (times exclusive). */
export function passes(filter: SearchFilter, conversationId: string, senderId: string, ts: number): boolean {
  return (filter.conversationId === undefined || filter.conversationId === conversationId) &&
    (filter.senderId === undefined || filter.senderId === senderId) &&
    (filter.before === undefined || ts < filter.before) &&
    (filter.after === undefined || ts > filter.after);
}

const changesOf = (state: ChatState, conversationId: string): OutboxEntry[] =>
  state.outbox.filter((e) => e.conversationId === conversationId && e.change !== undefined);

/** Whether the user has a change of this message waiting in the outbox (its view may differ from the server's copy). */
export function hasQueuedChange(state: ChatState, message: MessageEvent): boolean {
  return state.outbox.some((e) => e.change !== undefined && e.conversationId === message.conversationId && namesMessage(e.change.target, message, state.userId));
}

/**
 * The client's usual view of a found message (as `getMessages` or `getThread` would show it): the
 * message as found, with what the client holds that folds into it (changes, thread replies) and
 * the user's queued changes.
 */
export function hitMessageView(state: ChatState, message: MessageEvent): MessageView | undefined {
  const conv = state.conversations.get(message.conversationId);
  const related = (conv?.events ?? []).filter((e) => e.seq !== message.seq && foldTarget(e)?.messageId === message.id);
  const events = [message, ...related].sort((a, b) => a.seq - b.seq);
  const lane = { ...(conv ?? emptyConversation(message.conversationId)), events };
  const context = { receipts: conv?.receipts ?? {}, editWindowMs: editWindowOf(state) };
  const entries = changesOf(state, message.conversationId);
  const thread = message.data.thread?.messageId;
  const views = thread === undefined ? buildMessages(lane, entries, state.userId, context) : buildThread(lane, entries, state.userId, thread, context);
  return views.find((v) => v.seq === message.seq);
}

/** What of a shown message is searched: its current text and its files' names. */
export function viewSearchText(view: MessageView): string {
  return messageSearchText({ ...(view.text !== undefined ? { text: view.text } : {}), ...(view.attachments ? { attachments: view.attachments } : {}) });
}

/** A hit for a shown message matched here (`matchSearch`), or null when it does not match or is deleted. */
export function localHit(view: MessageView, seq: number, terms: readonly SearchTerm[]): SearchHitView | null {
  if (view.deleted) return null;
  const text = viewSearchText(view);
  const ranges = matchSearch(text, terms);
  if (!ranges) return null;
  const { snippet, highlights } = searchSnippet(text, ranges, Limits.maxSnippetLength);
  return { conversationId: view.conversationId, seq, message: view, snippet, highlights, from: 'local' };
}

/**
 * The user's messages waiting in the outbox (pending or failed) that match: the server cannot
 * know them yet. `seq` 0, as they have none yet; the newest first.
 */
export function outboxHits(state: ChatState, terms: readonly SearchTerm[], filter: SearchFilter): SearchHitView[] {
  const hits: SearchHitView[] = [];
  for (const entry of state.outbox) {
    if (entry.change || !passes(filter, entry.conversationId, state.userId ?? '', entry.createdAt)) continue;
    const conv = state.conversations.get(entry.conversationId);
    const view = messageFromEntry(entry, state.userId, conv, changesOf(state, entry.conversationId));
    const hit = localHit(view, 0, terms);
    if (hit) hits.push(hit);
  }
  return hits.reverse();
}
