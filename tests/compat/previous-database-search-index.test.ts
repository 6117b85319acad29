import { readFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { messageSearchText, parseSearchQuery, searchTokenText, type LogEvent } from '@parley/protocol';
import type { ChatStore, SearchDocument, SearchIndex } from '@parley/server-sdk';
import { SQLITE_SCHEMA_VERSION, createSqliteSearchIndex, createSqliteStore } from '@parley/server-sdk/sqlite';
import { releaseFile } from './releases.js';
import { loadReleaseSqlite, releaseDatabases, schemaOf } from './release-database.js';

// Message search's SQLite schema (step 8: the search tables and the FTS5 index, additive) on the
// file the protocol-8 release's own server wrote (the release fixture). Today's store upgrades it
// in place and the index fills from the old log; the protocol-8 release's store still opens the
// upgraded file, reads it and writes to it, as its nodes must during a rolling deploy, and what it
// writes reaches the index the way every message does: from the log.

interface Expected {
  release: string;
  conversations: { conversation: { id: string; title: string | null; lastSeq: number }; events: Array<Pick<LogEvent, 'id' | 'seq'>> }[];
}

const expected = JSON.parse(readFileSync(releaseFile('protocol-8', 'parley.expected.json'), 'utf8')) as Expected;
const team = expected.conversations.find((c) => c.conversation.title === 'team')!;

const databases = releaseDatabases();
const copyOfFixture = (): string => databases.copy('protocol-8');

/** Applies a conversation's log from the index's seq on, as the server's catch-up does (messages as sent; the fixture has no edits). */
async function catchUp(store: ChatStore, index: SearchIndex, conversationId: string): Promise<void> {
  const from = (await index.indexedSeqs([conversationId])).get(conversationId) ?? 0;
  const events = await store.readAfter(conversationId, from, 1000);
  if (events.length === 0) return;
  const upserts: SearchDocument[] = [];
  for (const event of events) {
    if (event.kind !== 'message') continue;
    const tokens = searchTokenText(messageSearchText(event.data));
    if (tokens) upserts.push({ conversationId, seq: event.seq, ts: event.ts, senderId: event.senderId, tokens, version: event.seq });
  }
  await index.apply({ conversationId, upserts, removals: [], throughSeq: events.at(-1)!.seq });
}

const search = async (index: SearchIndex, text: string) =>
  (await index.query({ conversationIds: expected.conversations.map((c) => c.conversation.id), terms: parseSearchQuery(text), order: 'newest', limit: 50 })).hits;

describe('message search on a SQLite database written by the protocol-8 release', () => {
  it('upgrades the file additively (schema 7 to 8, readable from 1); the old log reads the same and is searchable', async () => {
    const filename = copyOfFixture();
    expect(expected.release).toBe('protocol-8');
    expect(schemaOf(filename)).toEqual({ version: 7, readable_from: 1 });
    const db = new BetterSqlite3(filename);
    const store = createSqliteStore({ database: db });
    try {
      expect(SQLITE_SCHEMA_VERSION).toBe(8);
      expect(schemaOf(filename)).toEqual({ version: 8, readable_from: 1 });
      for (const { conversation, events } of expected.conversations) {
        expect((await store.readAfter(conversation.id, 0, 1000)).map((e) => [e.id, e.seq])).toEqual(events.map((e) => [e.id, e.seq]));
      }
      const index = createSqliteSearchIndex(db);
      for (const { conversation } of expected.conversations) await catchUp(store, index, conversation.id);
      const messages = (await store.readAfter(team.conversation.id, 0, 1000)).filter((e) => e.kind === 'message');
      const saying = (word: string) => messages.filter((e) => e.kind === 'message' && e.data.text?.split(' ').includes(word)).map((e) => e.seq);
      expect(saying('team').length).toBeGreaterThan(20);
      expect((await search(index, 'team')).map((hit) => hit.seq).sort((a, b) => a - b)).toEqual(saying('team'));
      expect((await search(index, '"after dave"')).map((hit) => hit.seq).sort((a, b) => a - b)).toEqual(saying('dave'));
      expect((await index.stats()).documents).toBeGreaterThan(messages.length);
    } finally {
      await store.close();
      db.close();
    }
  });

  it('keeps a protocol-8 node working on the upgraded file: it reads and writes, and its message is found once the index catches up', async () => {
    const filename = copyOfFixture();
    const { id, lastSeq } = team.conversation;
    {
      const db = new BetterSqlite3(filename);
      const store = createSqliteStore({ database: db });
      const index = createSqliteSearchIndex(db);
      for (const { conversation } of expected.conversations) await catchUp(store, index, conversation.id);
      await store.close();
      db.close();
    }

    const release = await loadReleaseSqlite('protocol-8');
    expect(release.SQLITE_SCHEMA_VERSION).toBe(7);
    const warnings: string[] = [];
    const oldNode = release.createSqliteStore({ filename }, { logger: { warn: (message) => void warnings.push(message) } });
    try {
      expect(warnings).toHaveLength(1); // a newer file it may use: said once
      expect((await oldNode.readAfter(id, 0, 1000)).map((e) => e.seq)).toEqual(team.events.map((e) => e.seq));
      const { event } = await oldNode.append({ conversationId: id, senderId: 'bob', clientMsgId: 'cmid-old-node', ts: Date.now(), kind: 'message', data: { text: 'written by the protocol-8 node' } });
      expect(event.seq).toBe(lastSeq + 1);
    } finally {
      await oldNode.close();
    }

    const db = new BetterSqlite3(filename);
    const store = createSqliteStore({ database: db });
    try {
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const index = createSqliteSearchIndex(db);
      expect(await search(index, 'protocol')).toEqual([]);
      await catchUp(store, index, id);
      expect(await search(index, 'protocol node')).toEqual([{ conversationId: id, seq: lastSeq + 1 }]);
      expect((await index.indexedSeqs([id])).get(id)).toBe(lastSeq + 1);
    } finally {
      await store.close();
      db.close();
    }
  });
});
