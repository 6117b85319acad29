import type { ConversationSummary, LogEvent } from '@parley/protocol';
import type { IDBPTransaction, StoreNames } from 'idb';
import type { ClientStorage, OutboxEntry } from './client-storage.js';
import { toBlob } from '../files/memory-files.js';
import { openParleyDb, type ParleyDb, type ParleyDbSchema } from './indexeddb-schema.js';

/**
 * @example
 * createIndexedDbStorage({ dbName: `parley-${userId}`, maxEventsPerConversation: 1000 });
 */
export interface IndexedDbStorageOptions {
  /** Database name. Default `parley`; use one per signed-in user if several share a browser. */
  dbName?: string;
  /** Cached events kept per conversation, newest by seq. Default 500. */
  maxEventsPerConversation?: number;
  /** Cached conversations kept, most recently active first. Default 200. */
  maxConversations?: number;
}

/** A `ClientStorage` in IndexedDB, plus `close()` to release the database connection. */
export interface IndexedDbStorage extends ClientStorage {
  readonly scope: string;
  close(): void;
}

type Tx<Names extends StoreNames<ParleyDbSchema>[]> = IDBPTransaction<ParleyDbSchema, Names, 'readwrite'>;

/**
 * Keeps the outbox (with the Blobs of the files it has still to upload), the cache of the
 * conversation log, the sync cursors and the device id in IndexedDB, so a page reload, a browser
 * restart or a crash loses nothing that `send()` accepted, and a cold start shows the cached
 * history before the network answers. One database may be shared by every tab of the origin:
 * the client then elects one tab to talk to the server.
 *
 * The cache is bounded: a conversation keeps its newest `maxEventsPerConversation` events (older
 * ones come back from the server through `loadOlder`), and past `maxConversations` the least
 * recently active conversations are dropped with their events and cursor (a full sync brings a
 * dropped one back). Eviction never touches the outbox, nor a conversation with a message in it.
 *
 * @example
 * import { createChatClient } from '@parley/client-sdk';
 * import { createIndexedDbStorage } from '@parley/client-sdk/indexeddb';
 * const chat = createChatClient({ url, getToken, storage: createIndexedDbStorage({ dbName: 'parley' }) });
 */
export function createIndexedDbStorage(options: IndexedDbStorageOptions = {}): IndexedDbStorage {
  const dbName = options.dbName ?? 'parley';
  const maxEvents = Math.max(1, options.maxEventsPerConversation ?? 500);
  const maxConversations = Math.max(1, options.maxConversations ?? 200);
  let opening: Promise<ParleyDb> | undefined;

  // Looked up at first use, never at import, so this module loads in Node and server rendering.
  const db = (): Promise<ParleyDb> => {
    if (!opening) {
      if (typeof indexedDB === 'undefined') return Promise.reject(new Error('IndexedDB is not available in this runtime'));
      const current: Promise<ParleyDb> = openParleyDb(dbName, () => {
        void current.then((opened) => opened.close());
        if (opening === current) opening = undefined;
      });
      opening = current;
      current.catch(() => {
        if (opening === current) opening = undefined;
      });
    }
    return opening;
  };
  const logRange = (conversationId: string, beforeSeq = Number.POSITIVE_INFINITY) =>
    IDBKeyRange.bound([conversationId, Number.NEGATIVE_INFINITY], [conversationId, beforeSeq], false, true);

  async function trimLog(tx: Tx<['events']>, conversationId: string): Promise<void> {
    const range = logRange(conversationId);
    let excess = (await tx.store.count(range)) - maxEvents;
    for (let cursor = excess > 0 ? await tx.store.openCursor(range) : null; cursor && excess > 0; excess -= 1) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
  }

  async function dropConversation(tx: Tx<['conversations', 'events', 'cursors', 'outbox']>, conversationId: string) {
    await tx.objectStore('conversations').delete(conversationId);
    await tx.objectStore('events').delete(logRange(conversationId));
    await tx.objectStore('cursors').delete(conversationId);
  }

  async function evictConversations(tx: Tx<['conversations', 'events', 'cursors', 'outbox']>, keep: string) {
    const conversations = tx.objectStore('conversations');
    let excess = (await conversations.count()) - maxConversations;
    if (excess <= 0) return;
    const victims: string[] = [];
    for (let cursor = await conversations.index('byActivity').openCursor(); cursor && excess > 0; cursor = await cursor.continue()) {
      const id = cursor.value.id;
      // A conversation with a message still to send stays, so the message keeps its context.
      if (id === keep || (await tx.objectStore('outbox').index('byConversation').count(id)) > 0) continue;
      victims.push(id);
      excess -= 1;
    }
    for (const id of victims) await dropConversation(tx, id);
  }

  return {
    scope: `indexeddb:${dbName}`,
    outbox: {
      list: async () => (await db()).getAll('outbox'),
      put: async (entry: OutboxEntry) => void (await (await db()).put('outbox', entry)),
      delete: async (clientMsgId) => (await db()).delete('outbox', clientMsgId),
    },
    meta: {
      get: async (key) => (await db()).get('meta', key),
      set: async (key, value) => void (await (await db()).put('meta', value, key)),
    },
    conversations: {
      list: async () => (await db()).getAll('conversations'),
      put: async (summary: ConversationSummary) => {
        const tx = (await db()).transaction(['conversations', 'events', 'cursors', 'outbox'], 'readwrite');
        await tx.objectStore('conversations').put(summary);
        await evictConversations(tx, summary.id);
        await tx.done;
      },
      delete: async (conversationId) => {
        const tx = (await db()).transaction(['conversations', 'events', 'cursors', 'outbox'], 'readwrite');
        await dropConversation(tx, conversationId);
        await tx.done;
      },
    },
    events: {
      list: async (conversationId, { beforeSeq, limit } = {}) => {
        const tx = (await db()).transaction('events');
        const newestFirst: LogEvent[] = [];
        let cursor = await tx.store.openCursor(logRange(conversationId, beforeSeq), 'prev');
        while (cursor && (limit === undefined || newestFirst.length < limit)) {
          newestFirst.push(cursor.value);
          cursor = await cursor.continue();
        }
        await tx.done;
        return newestFirst.reverse();
      },
      put: async (batch) => {
        if (batch.length === 0) return;
        const tx = (await db()).transaction('events', 'readwrite');
        const last = new Map<string, LogEvent>();
        for (const event of batch) last.set(`${event.conversationId}\u0000${event.seq}`, event);
        // The latest copy wins: a newer fold of a message, or its erased form after a delete.
        await Promise.all([...last.values()].map((event) => tx.store.put(event)));
        for (const conversationId of new Set(batch.map((e) => e.conversationId))) await trimLog(tx, conversationId);
        await tx.done;
      },
    },
    cursors: {
      list: async () => {
        const tx = (await db()).transaction('cursors');
        const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll()]);
        await tx.done;
        return Object.fromEntries(keys.map((key, i) => [key, values[i] ?? 0]));
      },
      set: async (conversationId, seq) => void (await (await db()).put('cursors', seq, conversationId)),
    },
    files: {
      put: async (localId, data) => void (await (await db()).put('files', toBlob(data), localId)),
      get: async (localId) => (await db()).get('files', localId),
      delete: async (localId) => (await db()).delete('files', localId),
    },
    close() {
      const pending = opening;
      opening = undefined;
      void pending?.then((opened) => opened.close(), () => undefined);
    },
    async clear() {
      const pending = opening;
      opening = undefined;
      await pending?.then((opened) => opened.close(), () => undefined);
      if (typeof indexedDB === 'undefined') return;
      // Other tabs' connections hear `versionchange` and close (see openParleyDb), so this finishes.
      await new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(dbName);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error ?? new Error(`could not delete ${dbName}`));
      });
    },
  };
}
