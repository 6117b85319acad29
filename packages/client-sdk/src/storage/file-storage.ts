import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConversationSummary, LogEvent } from '@parley/protocol';
import type { ClientStorage, OutboxEntry } from './client-storage.js';
import { createMemoryStorage } from './memory-storage.js';
import { openJournal, readJournal, type Journal } from './file-journal.js';
import { createDirectoryFiles } from './file-storage-files.js';

export interface FileStorageOptions {
  /** The directory the client keeps its data in (created if missing). One client process at a time. */
  dir: string;
  /** Cached events kept per conversation when the journal is compacted (newest first). Default 1,000. */
  maxCachedEventsPerConversation?: number;
}

/** Durable storage for Node clients (bots, services, scripts), with `close()`. */
export interface FileStorage extends ClientStorage {
  /** Writes what is pending and releases the directory for another process. */
  close(): Promise<void>;
}

/** One journal line: a change to one part of the storage. */
type Change =
  | { outbox: OutboxEntry }
  | { unqueue: string }
  | { meta: [string, string] }
  | { conversation: ConversationSummary }
  | { forget: string }
  | { events: LogEvent[] }
  | { cursor: [string, number] };

const COMPACT_AFTER = 2_000;

/**
 * Storage for Node clients in one directory: everything the client stores (its outbox first) is
 * written to an append-only journal and synced to disk before the call resolves, so a client
 * killed at any moment (SIGKILL, power cut) loses no message `send()` had accepted, and picks up
 * its outbox when it starts again. The bytes of files still to upload are files of their own
 * (`files/`), written as durably. No native module: plain files.
 *
 * @example
 * import { createChatClient } from '@parley/client-sdk';
 * import { createFileStorage } from '@parley/client-sdk/node';
 *
 * const chat = createChatClient({ url, getToken, storage: createFileStorage({ dir: './.parley-bot' }) });
 */
export function createFileStorage(options: FileStorageOptions): FileStorage {
  const dir = resolve(options.dir);
  const keep = options.maxCachedEventsPerConversation ?? 1_000;
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'LOCK');
  takeLock(lock, dir);
  const file = join(dir, 'journal.jsonl');
  const files = createDirectoryFiles(join(dir, 'files'));
  const memory = createMemoryStorage();
  const meta = new Map<string, string>();

  const queued = new Set<string>();
  const conversations = new Set<string>();

  const apply = async (change: Change): Promise<void> => {
    if ('outbox' in change) {
      queued.add(change.outbox.clientMsgId);
      await memory.outbox.put(change.outbox);
    } else if ('unqueue' in change) {
      queued.delete(change.unqueue);
      await memory.outbox.delete(change.unqueue);
    } else if ('meta' in change) meta.set(...change.meta);
    else if ('conversation' in change) {
      conversations.add(change.conversation.id);
      await memory.conversations.put(change.conversation);
    } else if ('forget' in change) {
      conversations.delete(change.forget);
      await memory.conversations.delete(change.forget);
    }
    else if ('events' in change) await memory.events.put(change.events);
    else await memory.cursors.set(...change.cursor);
  };

  const opened = (async () => {
    const changes = readJournal<Change>(file);
    for (const change of changes) await apply(change);
    return openJournal<Change>(file, changes.length);
  })();
  // Nothing is lost if the process ends now; the next `open` reads what is on disk.
  opened.catch(() => undefined);

  async function snapshot(): Promise<Change[]> {
    const out: Change[] = [];
    for (const entry of await memory.outbox.list()) out.push({ outbox: entry });
    for (const pair of meta) out.push({ meta: pair });
    const cursors = await memory.cursors.list();
    for (const summary of await memory.conversations.list()) {
      out.push({ conversation: summary });
      const events = await memory.events.list(summary.id, { limit: keep });
      if (events.length > 0) out.push({ events });
      if (cursors[summary.id] !== undefined) out.push({ cursor: [summary.id, cursors[summary.id]!] });
    }
    return out;
  }

  /** About how many lines a snapshot has: at most three per conversation, one per entry or value. */
  let compacting = false;
  const liveLines = () => queued.size + meta.size + conversations.size * 3;

  async function record(change: Change): Promise<void> {
    const journal: Journal<Change> = await opened;
    await apply(change);
    await journal.append([change]);
    // After a compaction the journal is as long as what is live: the next one is ≥ 3× that away.
    if (compacting || journal.size <= COMPACT_AFTER || journal.size <= liveLines() * 4) return;
    compacting = true;
    try {
      await journal.compact(snapshot);
    } finally {
      compacting = false;
    }
  }

  const read = async <T>(get: () => Promise<T>): Promise<T> => {
    await opened;
    return get();
  };

  return {
    outbox: {
      list: () => read(() => memory.outbox.list()),
      put: (entry) => record({ outbox: entry }),
      delete: (clientMsgId) => record({ unqueue: clientMsgId }),
    },
    meta: {
      get: (key) => read(async () => meta.get(key)),
      set: (key, value) => record({ meta: [key, value] }),
    },
    conversations: {
      list: () => read(() => memory.conversations.list()),
      put: (summary) => record({ conversation: summary }),
      delete: (conversationId) => record({ forget: conversationId }),
    },
    events: {
      list: (conversationId, listOptions) => read(() => memory.events.list(conversationId, listOptions)),
      put: (events) => record({ events: [...events] }),
    },
    cursors: {
      list: () => read(() => memory.cursors.list()),
      set: (conversationId, seq) => record({ cursor: [conversationId, seq] }),
    },
    files: { put: files.put, get: files.get, delete: files.delete },
    async close() {
      await (await opened).close();
      rmSync(lock, { force: true });
    },
    /** Deletes the journal and closes the storage (signing out ends this client's use of it). */
    async clear() {
      await (await opened).close();
      rmSync(file, { force: true });
      files.clear();
      rmSync(lock, { force: true });
      await memory.clear();
      for (const set of [queued, conversations]) set.clear();
      meta.clear();
    },
  };
}

/**
 * One process per directory: two writers would each keep their own view and overwrite the other's
 * journal. A lock left by a process that is gone (killed) is taken over.
 */
function takeLock(lock: string, dir: string): void {
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  const holder = Number(readFileSync(lock, 'utf8'));
  if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
    throw new Error(`Parley file storage: ${dir} is in use by process ${holder}${holder === process.pid ? ' (this one: close() the other client storage first)' : ''}`);
  }
  writeFileSync(lock, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
