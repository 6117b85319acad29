import type { HistoryResultFrame, LogEvent } from '@parley/protocol';
import type { TimelineWindowView } from '../search-types.js';
import { applyHistoryResult, type ChatState } from './chat-state.js';
import { olderPageBefore, type ConversationState } from './conversation-state.js';

/**
 * A detached part of a conversation's main timeline (`loadAround`): history pages around a seq
 * far from the cached timeline. Kept apart from `ConversationState.events` so the cache keeps its
 * rule (the timeline held complete from `timelineFrom` to the cursor, no gap): the window holds
 * every timeline event from its first to its last, and joins the cache only once it reaches it.
 */
export interface TimelineWindow {
  readonly conversationId: string;
  readonly aroundSeq: number;
  /** Ascending, unique by seq, never empty: every event of the main timeline from the first to the last. */
  readonly events: readonly LogEvent[];
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
}

export type WindowsState = ReadonlyMap<string, TimelineWindow>;
export const NO_WINDOWS: WindowsState = new Map();

export const windowFrom = (window: TimelineWindow): number => window.events[0]?.seq ?? window.aroundSeq;
export const windowTo = (window: TimelineWindow): number => window.events[window.events.length - 1]?.seq ?? window.aroundSeq;

/** Whether `seq` lies in the part of the timeline the cache holds without a gap. */
export function inCachedTimeline(conv: ConversationState | undefined, seq: number): boolean {
  if (!conv || conv.cursor === null || conv.timelineFrom === null) return false;
  return seq >= conv.timelineFrom && seq <= conv.cursor;
}

function withWindows(state: ChatState, change: (windows: Map<string, TimelineWindow>) => void): ChatState {
  const windows = new Map(state.windows);
  change(windows);
  return { ...state, windows };
}

export function closeWindow(state: ChatState, conversationId: string): ChatState {
  return state.windows.has(conversationId) ? withWindows(state, (w) => w.delete(conversationId)) : state;
}

/** Events of both lists by seq, the later list's copy winning. */
function mergeBySeq(a: readonly LogEvent[], b: readonly LogEvent[]): LogEvent[] {
  const bySeq = new Map<number, LogEvent>();
  for (const event of a) bySeq.set(event.seq, event);
  for (const event of b) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

/**
 * The window, or its events joined to the cache when it reaches the cached timeline: its newest
 * event sits just below (or inside) the held part, or no newer timeline event exists. Joined, it
 * is one more history page (`applyHistoryResult` before where the timeline is held from), so the
 * timeline is then held complete from the window's first event.
 */
function placeWindow(state: ChatState, window: TimelineWindow): ChatState {
  const conv = state.conversations.get(window.conversationId);
  const held = conv ? olderPageBefore(conv) : undefined;
  const reaches = !window.hasNewer || (held !== undefined && windowTo(window) + 1 >= held);
  if (!reaches) return withWindows(state, (w) => w.set(window.conversationId, window));
  const page: HistoryResultFrame = { type: 'history.result', reqId: 'window', conversationId: window.conversationId, events: [...window.events], hasMore: window.hasOlder };
  return applyHistoryResult(closeWindow(state, window.conversationId), page, held);
}

/** A page asked around `aroundSeq`: a new window (replacing any), or the cache when it reaches it. */
export function openWindow(state: ChatState, page: HistoryResultFrame, aroundSeq: number): ChatState {
  const events = page.events.filter((e) => e.conversationId === page.conversationId);
  if (events.length === 0) return closeWindow(state, page.conversationId);
  return placeWindow(state, { conversationId: page.conversationId, aroundSeq, events, hasOlder: page.hasMore, hasNewer: page.hasNewer ?? false });
}

/** The page before the window's first event (asked with `beforeSeq`): the window grows back. */
export function windowOlder(state: ChatState, page: HistoryResultFrame): ChatState {
  const window = state.windows.get(page.conversationId);
  if (!window) return state;
  const events = mergeBySeq(page.events.filter((e) => e.conversationId === page.conversationId && e.seq < windowFrom(window)), window.events);
  return withWindows(state, (w) => w.set(window.conversationId, { ...window, events, hasOlder: page.hasMore }));
}

/** A page around the window's last event: the window grows forward, and joins the cache once it reaches it. */
export function windowNewer(state: ChatState, page: HistoryResultFrame): ChatState {
  const window = state.windows.get(page.conversationId);
  if (!window) return state;
  const last = windowTo(window);
  const newer = page.events.filter((e) => e.conversationId === page.conversationId && e.seq > last);
  // The page holds every timeline event from its first to its last, and it starts at or below `last`.
  if ((page.events[0]?.seq ?? last + 1) > last) return state;
  return placeWindow(state, { ...window, events: mergeBySeq(window.events, newer), hasNewer: page.hasNewer ?? false });
}

/** Windows as the snapshot shows them; the same object while the windows did not change. */
export function createWindowsView(): (windows: WindowsState) => Readonly<Record<string, TimelineWindowView>> {
  let last: WindowsState | undefined;
  let value: Readonly<Record<string, TimelineWindowView>> = Object.freeze({});
  return (windows) => {
    if (windows === last) return value;
    last = windows;
    const views: Record<string, TimelineWindowView> = {};
    for (const [id, w] of windows) {
      views[id] = Object.freeze({ conversationId: id, aroundSeq: w.aroundSeq, fromSeq: windowFrom(w), toSeq: windowTo(w), hasOlder: w.hasOlder, hasNewer: w.hasNewer });
    }
    value = Object.freeze(views);
    return value;
  };
}
