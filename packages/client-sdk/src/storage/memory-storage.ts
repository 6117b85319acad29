import type { ConversationSummary, LogEvent } from '@parley/protocol';
import type { ClientStorage, OutboxEntry } from './client-storage.js';
import { createMemoryFiles } from '../files/memory-files.js';

/**
 * Keeps everything in memory (the outbox, its files' bytes, the cache): survives reconnects and
 * server restarts, not a reload of the page or process. Share one instance between clients to simulate a reload in tests.
 *
 * @example
 * const storage = createMemoryStorage();
 * const chat = createChatClient({ url, getToken, storage });
 */
export function createMemoryStorage(): ClientStorage {
  const outbox = new Map<string, OutboxEntry>();
  const meta = new Map<string, string>();
  const conversations = new Map<string, ConversationSummary>();
  const events = new Map<string, Map<number, LogEvent>>();
  const cursors = new Map<string, number>();
  const files = createMemoryFiles();

  return {
    outbox: {
      list: async () => [...outbox.values()].sort((a, b) => (a.clientMsgId < b.clientMsgId ? -1 : 1)),
      put: async (entry) => void outbox.set(entry.clientMsgId, entry),
      delete: async (clientMsgId) => void outbox.delete(clientMsgId),
    },
    meta: {
      get: async (key) => meta.get(key),
      set: async (key, value) => void meta.set(key, value),
    },
    conversations: {
      list: async () => [...conversations.values()],
      put: async (summary) => void conversations.set(summary.id, summary),
      delete: async (conversationId) => {
        conversations.delete(conversationId);
        events.delete(conversationId);
        cursors.delete(conversationId);
      },
    },
    events: {
      list: async (conversationId, options = {}) => {
        const log = events.get(conversationId);
        if (!log) return [];
        const before = options.beforeSeq ?? Number.POSITIVE_INFINITY;
        const all = [...log.values()].filter((e) => e.seq < before).sort((a, b) => a.seq - b.seq);
        return options.limit === undefined ? all : all.slice(Math.max(0, all.length - options.limit));
      },
      put: async (batch) => {
        for (const event of batch) {
          let log = events.get(event.conversationId);
          if (!log) events.set(event.conversationId, (log = new Map()));
          log.set(event.seq, event);
        }
      },
    },
    cursors: {
      list: async () => Object.fromEntries(cursors),
      set: async (conversationId, seq) => void cursors.set(conversationId, seq),
    },
    files: { put: files.put, get: files.get, delete: files.delete },
    clear: async () => {
      for (const map of [outbox, meta, conversations, events, cursors]) map.clear();
      files.clear();
    },
  };
}
