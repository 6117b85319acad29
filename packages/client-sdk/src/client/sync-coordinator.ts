import { Limits, type ConversationCursor, type SyncFrame, type SyncResultFrame } from '@parley/protocol';
import { applySyncResult, syncNeeds, type ChatState } from '../state/chat-state.js';
import { leftoverCursors, walkCursors } from '../state/sync-cursors.js';

export interface SyncCoordinatorOptions {
  getState(): ChatState;
  commit(next: ChatState): void;
  /** Sends a sync and resolves with its answer. */
  request(frame: Omit<SyncFrame, 'reqId'>): Promise<SyncResultFrame>;
  /** A sync failed (timeout, error frame); the client decides whether to reconnect. */
  onFailure(error: unknown): void;
  /** Drops conversations that a full sync could not place (the user is not a member). */
  dropUnplaced(): void;
}

/**
 * Runs one sync at a time: full syncs (after `welcome`, or when events arrive for a conversation
 * the client holds no position in) walk the user's conversation list a bounded page at a time
 * until `hasMore` is false, then name every held conversation no page named; gap fills
 * (`only: true`) fetch exactly the events after each cursor that sits below a held event.
 */
export interface SyncCoordinator {
  requestFull(): void;
  /** Looks for gaps (and unplaced events) in the current state and fills them. */
  check(): void;
  /** A connection ended: forget work in flight (answers to it will never come). */
  reset(): void;
}

export function createSyncCoordinator(options: SyncCoordinatorOptions): SyncCoordinator {
  let running = false;
  let wantFull = false;
  let generation = 0;

  async function runFull(gen: number): Promise<void> {
    // A page names as many cursors as it may carry summaries: the rest wait for their page.
    const perPage = Limits.maxSyncSummaries;
    const named = new Set<string>();
    let after: ConversationCursor | undefined;
    let walking = true;
    let previous = '';
    for (;;) {
      const state = options.getState();
      const frame: Omit<SyncFrame, 'reqId'> = walking
        ? { type: 'sync', cursors: walkCursors(state, after, perPage), ...(after ? { after } : {}) }
        : { type: 'sync', cursors: leftoverCursors(state, named, perPage), only: true };
      if (!walking && frame.cursors.length === 0) return;
      // The same request twice means the server could not move anything: asking again would loop.
      const key = JSON.stringify(frame);
      if (key === previous) return;
      previous = key;
      for (const cursor of frame.cursors) named.add(cursor.conversationId);
      const result = await options.request(frame);
      if (gen !== generation) return;
      options.commit(applySyncResult(options.getState(), result));
      if (result.next) after = result.next;
      if (!result.hasMore) walking = false;
    }
  }

  async function runGapFill(gen: number): Promise<void> {
    let previous = '';
    for (;;) {
      const { gaps } = syncNeeds(options.getState());
      const key = gaps.map((g) => `${g.conversationId}:${g.afterSeq}`).join(',');
      // Stop if the server could not move any cursor: asking again would loop.
      if (gaps.length === 0 || key === previous) return;
      previous = key;
      const cursors = gaps.map((g) => ({ conversationId: g.conversationId, seq: g.afterSeq }));
      const result = await options.request({ type: 'sync', cursors, only: true });
      if (gen !== generation) return;
      options.commit(applySyncResult(options.getState(), result));
    }
  }

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    const gen = generation;
    try {
      let fullRuns = 0;
      while (gen === generation) {
        const needs = syncNeeds(options.getState());
        if (wantFull || (needs.fullSync && fullRuns === 0)) {
          wantFull = false;
          fullRuns += 1;
          await runFull(gen);
        } else if (needs.gaps.length > 0) {
          await runGapFill(gen);
          if (!wantFull) break;
        } else {
          break;
        }
      }
      if (gen === generation && fullRuns > 0 && syncNeeds(options.getState()).fullSync) options.dropUnplaced();
    } catch (err) {
      if (gen === generation) options.onFailure(err);
    } finally {
      running = false;
    }
    // Work that arrived for a newer connection while this one wound down.
    if (gen !== generation && wantFull) void pump();
  }

  return {
    requestFull() {
      wantFull = true;
      void pump();
    },
    check() {
      const needs = syncNeeds(options.getState());
      if (needs.fullSync) wantFull = true;
      if (wantFull || needs.gaps.length > 0) void pump();
    },
    reset() {
      generation += 1;
      wantFull = false;
    },
  };
}
