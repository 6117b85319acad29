import type { LogEvent } from '@parley/protocol';
import type { ClientStorage } from '../storage/client-storage.js';
import type { ChatState } from '../state/chat-state.js';
import { emptyConversation, eventsAddedSince } from '../state/conversation-state.js';
import { BLOCKS_KEY, timelineKey } from '../core/cached-state.js';
import type { Logger } from '../types.js';

/**
 * Mirrors the conversation cache into storage: writes run one after another, in commit order,
 * off the hot path. A failed write is logged; the server's log stays the truth and the next sync
 * repairs the cache.
 */
export function createCachePersistence(storage: ClientStorage, logger: Logger) {
  let queue: Promise<void> = Promise.resolve();

  const enqueue = (write: () => Promise<void>) => {
    queue = queue.then(write).catch((err: unknown) => {
      logger.warn('parley: cache write failed', { error: String(err) });
    });
  };

  return {
    /** Persists what changed between two states. */
    persist(before: ChatState, after: ChatState): void {
      const userId = after.userId;
      if (userId !== null && userId !== before.userId) enqueue(() => storage.meta.set('userId', userId));
      const blocks = after.blocks;
      if (blocks !== null && blocks !== before.blocks) enqueue(() => storage.meta.set(BLOCKS_KEY, JSON.stringify(blocks)));
      if (before.conversations === after.conversations) return;
      for (const id of before.conversations.keys()) {
        if (!after.conversations.has(id)) enqueue(() => storage.conversations.delete(id));
      }
      for (const [id, conv] of after.conversations) {
        const old = before.conversations.get(id);
        if (old === conv) continue;
        const prev = old ?? emptyConversation(id);
        const server = conv.server;
        if (server && server !== prev.server) enqueue(() => storage.conversations.put(server));
        if (conv.events !== prev.events) {
          const fresh = changedEvents(prev.events, conv.events);
          if (fresh.length > 0) enqueue(() => storage.events.put(fresh));
        }
        const cursor = conv.cursor;
        if (cursor !== null && cursor !== prev.cursor) enqueue(() => storage.cursors.set(id, cursor));
        const from = conv.timelineFrom;
        if (from !== null && from !== prev.timelineFrom) enqueue(() => storage.meta.set(timelineKey(id), String(from)));
      }
    },
    /** Resolves once every queued write has settled (used by `close()`). */
    idle(): Promise<void> {
      return queue;
    },
  };
}

/**
 * New seqs, and held ones whose copy changed (a newer fold, or the erased form after a delete).
 * Both lists are sorted by seq: one walk, and none at all when events were only added at the end.
 */
function changedEvents(before: readonly LogEvent[], after: readonly LogEvent[]): readonly LogEvent[] {
  const added = eventsAddedSince(before, after);
  if (added) return added;
  const fresh: LogEvent[] = [];
  let i = 0;
  for (const event of after) {
    while (i < before.length && (before[i]?.seq ?? 0) < event.seq) i += 1;
    if (before[i] !== event) fresh.push(event);
  }
  return fresh;
}
