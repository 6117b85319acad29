import { ErrorCode, Limits, ParleyError, type HistoryResultFrame, type ServerFrame } from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import type { ChatState } from '../state/chat-state.js';
import { hasOlder } from '../state/conversation-state.js';
import { closeWindow, inCachedTimeline, openWindow, windowFrom, windowNewer, windowOlder, windowTo } from '../state/timeline-window.js';
import type { ChatClient, LoadAroundResult, LoadOlderResult } from '../types.js';
import type { RequestFrame } from './server-requests.js';

/** Pages of a thread `loadAround` reads back at most to reach a reply. */
const MAX_THREAD_PAGES = 50;

export type WindowMethods = Pick<ChatClient, 'loadAround' | 'loadNewer' | 'closeWindow' | 'loadOlder'>;

/**
 * Jumping to any message (`loadAround`) and paging the window that jump opens. The cache keeps
 * its gap-free rule: a window far from the cached timeline is kept apart (`ChatState.windows`),
 * shown by `getTimeline`, paged back (`loadOlder`) and forward (`loadNewer`, `history` around its
 * newest event), and joins the cache as one more history page once it reaches the cached part.
 */
export function createTimelineWindows(deps: {
  getState(): ChatState;
  commit(next: ChatState): void;
  request(frame: RequestFrame, answer: ServerFrame['type']): Promise<ServerFrame>;
  /** History arrived: look for gaps it opened or closed. */
  checkSync(): void;
  /** The conversation's own `loadOlder` and `loadThread` (without a window). */
  loadOlder: ChatClient['loadOlder'];
  loadThread: ChatClient['loadThread'];
}): WindowMethods {
  const { getState, commit } = deps;

  const history = async (frame: Omit<Extract<RequestFrame, { type: 'history' }>, 'reqId'>) =>
    (await deps.request({ ...frame, reqId: uuidv7() }, 'history.result')) as HistoryResultFrame;

  const shown = (conversationId: string, seq: number): LoadAroundResult => {
    const state = getState();
    const window = state.windows.get(conversationId);
    const conv = state.conversations.get(conversationId);
    const found = (window ? window.events : conv?.events ?? []).some((e) => e.seq === seq);
    if (window) return { source: 'server', found, window: true, hasOlder: window.hasOlder, hasNewer: window.hasNewer };
    return { source: 'server', found, window: false, hasOlder: conv ? hasOlder(conv) : false, hasNewer: false };
  };

  async function aroundInThread(conversationId: string, seq: number, rootId: string): Promise<LoadAroundResult> {
    const held = () => getState().conversations.get(conversationId)?.events.some((e) => e.seq === seq) ?? false;
    if (held()) return { source: 'cache', found: true, window: false, hasOlder: true, hasNewer: false };
    let hasOlder = true;
    for (let pages = 0; pages < MAX_THREAD_PAGES && hasOlder && !held(); pages += 1) {
      hasOlder = (await deps.loadThread(conversationId, rootId, Limits.maxPageSize)).hasMore;
    }
    return { source: 'server', found: held(), window: false, hasOlder, hasNewer: false };
  }

  return {
    async loadAround(conversationId, seq, options = {}) {
      if (!Number.isSafeInteger(seq) || seq < 1) throw new ParleyError(ErrorCode.BAD_FRAME, 'seq: a positive integer');
      if (options.threadId !== undefined) return aroundInThread(conversationId, seq, options.threadId);
      const state = getState();
      const conv = state.conversations.get(conversationId);
      if (inCachedTimeline(conv, seq)) {
        commit(closeWindow(getState(), conversationId));
        return { ...shown(conversationId, seq), source: 'cache' };
      }
      const window = state.windows.get(conversationId);
      if (window && seq >= windowFrom(window) && seq <= windowTo(window)) return { ...shown(conversationId, seq), source: 'cache' };
      const limit = options.limit ?? Limits.defaultPageSize;
      const page = await history({ type: 'history', conversationId, aroundSeq: seq, limit });
      commit(openWindow(getState(), page, seq));
      deps.checkSync();
      return shown(conversationId, seq);
    },
    async loadNewer(conversationId, limit = Limits.defaultPageSize) {
      const window = getState().windows.get(conversationId);
      if (!window) return { loaded: 0, hasMore: false };
      // Centred on the newest event: about half the page is newer.
      const page = await history({ type: 'history', conversationId, aroundSeq: windowTo(window), limit: Math.min(Limits.maxPageSize, limit * 2) });
      const before = window.events.length;
      commit(windowNewer(getState(), page));
      deps.checkSync();
      const after = getState().windows.get(conversationId);
      const loaded = page.events.filter((e) => e.seq > windowTo(window)).length;
      return { loaded: after ? after.events.length - before : loaded, hasMore: after?.hasNewer ?? false };
    },
    closeWindow(conversationId) {
      commit(closeWindow(getState(), conversationId));
    },
    async loadOlder(conversationId, limit = Limits.defaultPageSize): Promise<LoadOlderResult> {
      const window = getState().windows.get(conversationId);
      if (!window) return deps.loadOlder(conversationId, limit);
      if (!window.hasOlder) return { loaded: 0, hasMore: false };
      const page = await history({ type: 'history', conversationId, beforeSeq: windowFrom(window), limit });
      const before = window.events.length;
      commit(windowOlder(getState(), page));
      const after = getState().windows.get(conversationId);
      return { loaded: (after?.events.length ?? before) - before, hasMore: after?.hasOlder ?? page.hasMore };
    },
  };
}
