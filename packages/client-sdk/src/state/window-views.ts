import type { LogEvent } from '@parley/protocol';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { SystemItem, TimelineItem } from '../types.js';
import type { ChatState } from './chat-state.js';
import { emptyConversation, type ConversationState } from './conversation-state.js';
import { mergeTimeline, systemItemOf } from './timeline-views.js';
import { windowFrom, windowTo, type TimelineWindow } from './timeline-window.js';
import { buildMessages, editWindowOf } from './views.js';

interface Cached {
  readonly window: TimelineWindow;
  readonly conv: ConversationState | undefined;
  readonly changes: readonly OutboxEntry[];
  readonly userId: string | null;
  readonly editWindowMs: number | undefined;
  readonly value: readonly TimelineItem[];
}

const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Derives what `getTimeline` shows while a window is open: the window's messages and lines from
 * its first to its last seq, folded with every change the client holds (a live edit, delete or
 * reaction of a message in the window shows at once) and the user's queued changes. The user's
 * pending messages are not in it: they come after the newest, which a window does not reach.
 * Memoized like the timeline: the same array while nothing it shows changed.
 */
export function createWindowReader(): (state: ChatState, conversationId: string) => readonly TimelineItem[] | undefined {
  const cache = new Map<string, Cached>();
  return (state, conversationId) => {
    const window = state.windows.get(conversationId);
    if (!window) {
      cache.delete(conversationId);
      return undefined;
    }
    const conv = state.conversations.get(conversationId);
    const changes = state.outbox.filter((e) => e.conversationId === conversationId && e.change !== undefined);
    const editWindowMs = editWindowOf(state);
    const cached = cache.get(conversationId);
    if (
      cached && cached.window === window && cached.conv === conv && cached.userId === state.userId &&
      cached.editWindowMs === editWindowMs && sameItems(cached.changes, changes)
    ) return cached.value;
    const from = windowFrom(window);
    const to = windowTo(window);
    // The held copy of a seq wins (it may be folded further); held changes fold into the window's messages.
    const bySeq = new Map<number, LogEvent>();
    for (const event of window.events) bySeq.set(event.seq, event);
    for (const event of conv?.events ?? []) bySeq.set(event.seq, event);
    const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const base = conv ?? emptyConversation(conversationId);
    const messages = buildMessages({ ...base, events }, changes, state.userId, editWindowMs)
      .filter((m) => m.seq !== undefined && m.seq >= from && m.seq <= to);
    const lines: SystemItem[] = [];
    for (const event of events) {
      if (event.seq < from || event.seq > to) continue;
      const line = systemItemOf(event);
      if (line) lines.push(line);
    }
    const value = Object.freeze(mergeTimeline(messages, lines));
    cache.set(conversationId, { window, conv, changes, userId: state.userId, editWindowMs, value });
    return value;
  };
}
