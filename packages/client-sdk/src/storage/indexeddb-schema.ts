import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ConversationSummary, LogEvent } from '@parley/protocol';
import type { OutboxEntry } from './client-storage.js';

/**
 * The object stores of one Parley database. Keys mirror how the client reads: events by
 * `[conversationId, seq]` so a conversation's log is one key range, read newest first.
 */
export interface ParleyDbSchema extends DBSchema {
  outbox: { key: string; value: OutboxEntry; indexes: { byConversation: string } };
  meta: { key: string; value: string };
  conversations: { key: string; value: ConversationSummary; indexes: { byActivity: number } };
  events: { key: [string, number]; value: LogEvent };
  cursors: { key: string; value: number };
  /** Version 2: the bytes of files waiting to be uploaded, as Blobs, by `OutboxAttachment.localId`. */
  files: { key: string; value: Blob };
}

export type ParleyDb = IDBPDatabase<ParleyDbSchema>;

/** Bump with a new step in `upgrade` whenever the stores change; never edit a shipped step. */
export const SCHEMA_VERSION = 2;

function upgrade(db: ParleyDb, oldVersion: number): void {
  if (oldVersion < 1) {
    db.createObjectStore('outbox', { keyPath: 'clientMsgId' }).createIndex('byConversation', 'conversationId');
    db.createObjectStore('meta');
    db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('byActivity', 'lastActivityAt');
    db.createObjectStore('events', { keyPath: ['conversationId', 'seq'] });
    db.createObjectStore('cursors');
  }
  if (oldVersion < 2) {
    // A new store only: a version-1 database keeps its outbox and cache as they are.
    db.createObjectStore('files');
  }
}

/** Opens (and creates or upgrades) the database. */
export function openParleyDb(name: string, onVersionChange: () => void): Promise<ParleyDb> {
  return openDB<ParleyDbSchema>(name, SCHEMA_VERSION, {
    upgrade: (db, oldVersion) => upgrade(db, oldVersion),
    // Another tab runs a newer schema and must upgrade: step aside, reopen on next use.
    blocking: onVersionChange,
  });
}
