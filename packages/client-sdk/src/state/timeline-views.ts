import type { LogEvent } from '@parley/protocol';
import type { MessageView, SystemItem, TimelineItem } from '../types.js';
import type { ChatState } from './chat-state.js';
import { eventsAddedSince } from './conversation-state.js';

/**
 * The line a membership or group event shows as, or null for events that are not one. An empty
 * `members.added` is the placeholder other versions send for kinds they cannot show: no line.
 */
export function systemItemOf(event: LogEvent): SystemItem | null {
  const base = { type: 'system' as const, key: event.id, seq: event.seq, ts: event.ts, conversationId: event.conversationId, actorId: event.senderId };
  switch (event.kind) {
    case 'conversation.created':
      return { ...base, event: 'created', userIds: event.data.members, ...(event.data.title !== null ? { title: event.data.title } : {}) };
    case 'members.added':
      return event.data.userIds.length > 0 ? { ...base, event: 'added', userIds: event.data.userIds } : null;
    case 'members.removed': {
      const { userIds, ownerId, banned } = event.data;
      if (userIds.length === 0) return null;
      const left = userIds.length === 1 && userIds[0] === event.senderId;
      return { ...base, event: left ? 'left' : 'removed', userIds, ...(ownerId !== undefined ? { ownerId } : {}), ...(banned ? { banned: true } : {}) };
    }
    case 'conversation.updated':
      return { ...base, event: 'updated', userIds: [], patch: event.data };
    case 'members.role': {
      const { changes } = event.data;
      const owner = changes.find((c) => c.role === 'owner');
      return { ...base, event: 'role', userIds: changes.map((c) => c.userId), changes, ...(owner ? { ownerId: owner.userId } : {}) };
    }
    default:
      return null;
  }
}

/**
 * Messages and system lines in one list: confirmed messages and lines by seq, then the messages
 * without a seq (the user's pending and failed ones), as `getMessages` lists them last.
 */
export function mergeTimeline(messages: readonly MessageView[], lines: readonly SystemItem[]): TimelineItem[] {
  if (lines.length === 0) return [...messages];
  const items: TimelineItem[] = [];
  let next = 0;
  for (const message of messages) {
    const seq = message.seq ?? Number.POSITIVE_INFINITY;
    for (; next < lines.length && lines[next]!.seq < seq; next += 1) items.push(lines[next]!);
    items.push(message);
  }
  for (; next < lines.length; next += 1) items.push(lines[next]!);
  return items;
}

const NO_EVENTS: readonly LogEvent[] = Object.freeze([]);

interface CachedTimeline {
  readonly messages: readonly MessageView[];
  readonly events: readonly LogEvent[];
  /** The lines of `events`, in seq order. */
  readonly lines: readonly SystemItem[];
  readonly value: readonly TimelineItem[];
}

/**
 * Derives timelines (`getTimeline`) from states and their message lists, memoized like them: the
 * same array while neither the conversation's messages nor its held events changed, and the same
 * line object per event for good, so memoized rows do not re-render.
 */
export function createTimelineReader(): (state: ChatState, conversationId: string, messages: readonly MessageView[]) => readonly TimelineItem[] {
  const cache = new Map<string, CachedTimeline>();
  const lineCache = new WeakMap<LogEvent, SystemItem | null>();
  const lineOf = (event: LogEvent): SystemItem | null => {
    if (lineCache.has(event)) return lineCache.get(event) ?? null;
    const line = systemItemOf(event);
    lineCache.set(event, line ? Object.freeze(line) : null);
    return line;
  };
  return (state, conversationId, messages) => {
    const events = state.conversations.get(conversationId)?.events ?? NO_EVENTS;
    const cached = cache.get(conversationId);
    if (cached && cached.messages === messages && cached.events === events) return cached.value;
    // Events only added at the end (a live push): the lines held so far stay, the new ones follow.
    const added = cached && eventsAddedSince(cached.events, events);
    const fresh: SystemItem[] = [];
    for (const event of added ?? events) {
      const line = lineOf(event);
      if (line) fresh.push(line);
    }
    const lines = !added ? fresh : fresh.length === 0 ? cached.lines : [...cached.lines, ...fresh];
    const value = cached && cached.messages === messages && cached.lines === lines ? cached.value : Object.freeze(mergeTimeline(messages, lines));
    // Conversations drop out of the state (left, removed): keep only those still there.
    if (cache.size >= 256) for (const id of cache.keys()) if (!state.conversations.has(id)) cache.delete(id);
    cache.set(conversationId, { messages, events, lines, value });
    return value;
  };
}
