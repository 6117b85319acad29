import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { createChatServer, createDevAuth, silentLogger, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { freshDatabases, mongoTestUri } from '../helpers/mongo-env.js';
import { releaseFile } from './releases.js';
import { loadReleaseSqlite, releaseDatabases, type ReleaseLogStore } from './release-database.js';

// Protocol 9's search on databases the protocol-8 release wrote: the SQLite file its own server
// made (the release fixture) and a MongoDB database its own store wrote. Today's store upgrades
// them in place (the search index is additive), and search finds the history written before the
// upgrade; the protocol-8 release's store still opens the upgraded database and writes to it, as
// its nodes do during a rolling deploy, and what it writes is found too (the search catches up
// from the log, whoever wrote it).

interface Expected {
  release: string;
  conversations: { conversation: { id: string; title: string | null; lastSeq: number }; members: Array<{ userId: string }>; events: LogEvent[] }[];
}
interface ReleaseStore extends ReleaseLogStore {
  createConversation(input: unknown): Promise<unknown>;
}
type ReleaseMongo = { createMongoStore(options: { db: Db; logger?: { warn(message: string): void } }): ReleaseStore };

const T = 1_800_000_000_000;
const expected = JSON.parse(readFileSync(releaseFile('protocol-8', 'parley.expected.json'), 'utf8')) as Expected;
const team = expected.conversations.find((c) => c.conversation.title === 'team')!;
const club = expected.conversations.find((c) => c.conversation.title === 'book club')!;

const databases = releaseDatabases();
const copyOfFixture = (): string => databases.copy('protocol-8');

/** Today's server on a store, for its search (closed with the store). */
async function searchOn(store: ChatStore) {
  const http = createServer();
  const chat = createChatServer({ server: http, store, authenticate: createDevAuth().authenticate, logger: silentLogger });
  return {
    texts: async (userId: string, query: string) => (await chat.api.search(userId, { query, limit: 50 })).hits.map((hit) => hit.message.data.text),
    close: async () => {
      await chat.close();
      http.close();
    },
  };
}

describe('protocol 9 on a SQLite database written by the protocol-8 release', () => {
  it('upgrades the file in place, keeps it readable by the protocol-8 release, and finds the history written before the upgrade', async () => {
    const filename = copyOfFixture();
    expect(expected.release).toBe('protocol-8');
    const before = new BetterSqlite3(filename, { readonly: true });
    const oldVersion = (before.prepare('SELECT version FROM parley_schema WHERE id = 1').get() as { version: number }).version;
    before.close();
    const store = createSqliteStore({ filename });
    const search = await searchOn(store);
    try {
      // Every message the old release stored is found by its words, by members only.
      expect((await search.texts('alice', '"after dave"')).sort()).toEqual(
        team.events.filter((e) => e.kind === 'message' && e.data.text?.startsWith('team after dave')).map((e) => (e.kind === 'message' ? e.data.text : '')).sort(),
      );
      expect(await search.texts('bob', 'club')).toEqual([]);
      expect((await search.texts('carol', 'club')).length).toBe(club.events.filter((e) => e.kind === 'message' && /^club /.test(e.data.text ?? '')).length);
      expect(await search.texts('alice', 'quoting order')).toEqual(['quoting the order']);
    } finally {
      await search.close();
      await store.close();
    }
    const after = new BetterSqlite3(filename, { readonly: true });
    const schema = after.prepare('SELECT version, readable_from FROM parley_schema WHERE id = 1').get() as { version: number; readable_from: number | null };
    after.close();
    expect(schema.version).toBeGreaterThan(oldVersion);
    expect(schema.readable_from).toBeLessThanOrEqual(oldVersion);

    // The protocol-8 release still writes to the upgraded file; today's search finds what it wrote.
    const release = await loadReleaseSqlite<ReleaseStore>('protocol-8');
    const oldNode = release.createSqliteStore({ filename }, { logger: { warn: () => {} } });
    await oldNode.append({ conversationId: team.conversation.id, senderId: 'bob', clientMsgId: 'cmid-old-node', ts: T, kind: 'message', data: { text: 'written by the old node: pineapple' } });
    await oldNode.close();
    const again = createSqliteStore({ filename });
    const searchAgain = await searchOn(again);
    try {
      expect(await searchAgain.texts('carol', 'pineapple')).toEqual(['written by the old node: pineapple']);
    } finally {
      await searchAgain.close();
      await again.close();
    }
  });
});

/** The release's MongoDB store: the snapshot bundles it as a chunk (no entry point of its own). */
async function loadReleaseMongo(): Promise<ReleaseMongo> {
  const chunks = releaseFile('protocol-8', 'chunks');
  const file = readdirSync(chunks).find((name) => /^mongo-store-[\w-]+\.mjs$/.test(name));
  if (!file) throw new Error(`no mongo-store chunk in ${chunks}`);
  return (await import(pathToFileURL(`${chunks}/${file}`).href)) as ReleaseMongo;
}

const uri = mongoTestUri('protocol 9 on a MongoDB database written by the protocol-8 release');
if (uri) {
  const freshDb = freshDatabases(uri, 'p8nine');
  describe('protocol 9 on a MongoDB database written by the protocol-8 release', { timeout: 120_000 }, () => {
    it('finds what the protocol-8 store wrote before and after the upgrade', async () => {
      const db = await freshDb();
      const release = await loadReleaseMongo();
      const old = release.createMongoStore({ db });
      await old.createConversation({ id: 'club', kind: 'group', title: 'book club', createdBy: 'carol', members: ['carol', 'alice'], directKey: null, ts: T });
      await old.append({ conversationId: 'club', senderId: 'alice', clientMsgId: 'c0', ts: T + 1, kind: 'message', data: { text: 'the first chapter' } });
      await old.close();

      const store = createMongoStore({ db, logger: { warn: () => {} } });
      await store.ensureIndexes();
      const search = await searchOn(store);
      try {
        expect(await search.texts('carol', 'chapter')).toEqual(['the first chapter']);
        const oldNode = release.createMongoStore({ db, logger: { warn: () => {} } });
        await oldNode.append({ conversationId: 'club', senderId: 'carol', clientMsgId: 'late', ts: T + 9, kind: 'message', data: { text: 'the second chapter' } });
        await oldNode.close();
        expect(await search.texts('alice', 'chapter')).toEqual(['the second chapter', 'the first chapter']);
        expect(await search.texts('bob', 'chapter')).toEqual([]);
      } finally {
        await search.close();
        await store.close();
      }
    });
  });
}
