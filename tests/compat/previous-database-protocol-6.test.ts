import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { ChatStore, CreateConversationInput, StoredAttachment } from '@parley/server-sdk';
import { SQLITE_SCHEMA_VERSION, createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { freshDatabases, mongoTestUri } from '../helpers/mongo-env.js';
import { releaseFile } from './releases.js';
import { loadReleaseSqlite, releaseDatabases, schemaOf, type ReleaseLogStore } from './release-database.js';

// Protocol 7's store additions (attachment upload records: SQLite schema 6, MongoDB format 5,
// both additive) on databases the protocol-6 release wrote: the SQLite file its own server made
// (the release fixture) and a MongoDB database its own store wrote. Today's store upgrades them in
// place, reads every old row as before, and keeps files on them; the protocol-6 release's store
// still opens the upgraded database, reads it and writes to it, as its nodes must during a rolling
// deploy, and a message it writes is read by today's store.

interface Expected {
  release: string;
  conversations: { conversation: { id: string; title: string | null; lastSeq: number }; events: Array<Pick<LogEvent, 'id' | 'seq'>> }[];
}
/** The part of the protocol-6 release's stores this test uses (its bundle has no types). */
interface ReleaseStore extends ReleaseLogStore {
  createConversation(input: CreateConversationInput): Promise<unknown>;
  getConversation(conversationId: string): Promise<Record<string, unknown> | null>;
}
type ReleaseMongo = { createMongoStore(options: { db: Db; logger?: { warn(message: string): void } }): ReleaseStore };

const T = 1_800_000_000_000;
const quiet = { warn: () => {} };
const expected = JSON.parse(readFileSync(releaseFile('protocol-6', 'parley.expected.json'), 'utf8')) as Expected;
const group = expected.conversations.find((c) => c.conversation.title === 'team') ?? expected.conversations.at(-1)!;

const record = (id: string, conversationId: string): StoredAttachment => ({
  id,
  name: 'photo.png',
  size: 2048,
  mimeType: 'image/png',
  width: 10,
  height: 20,
  conversationId,
  uploaderId: 'alice',
  key: `a/${id}`,
  createdAt: T,
  state: 'pending',
  clientMsgId: null,
  claimedAt: null,
  messageId: null,
});

/** A message with a file on today's store: the upload recorded, claimed, the message appended, the record attached. */
async function storeFileMessage(store: ChatStore, conversationId: string): Promise<LogEvent> {
  await store.insertAttachment(record('at_compat', conversationId));
  const [claimed] = await store.claimAttachments(conversationId, 'alice', ['at_compat'], 'cmid-file', T + 1);
  const { id, name, size, mimeType, width, height } = claimed!;
  const { event } = await store.append({ conversationId, senderId: 'alice', clientMsgId: 'cmid-file', ts: T + 1, kind: 'message', data: { text: 'a photo', attachments: [{ id, name, size, mimeType, width, height }] } });
  await store.attachAttachments(conversationId, ['at_compat'], 'cmid-file', event.id);
  return event;
}

const databases = releaseDatabases();
const copyOfFixture = (): string => databases.copy('protocol-6');

describe('protocol 7 on a SQLite database written by the protocol-6 release', () => {
  it('upgrades the file additively (schema 5 to 6, readable from 1); the old log reads the same; files work on it across a restart', async () => {
    const filename = copyOfFixture();
    expect(expected.release).toBe('protocol-6');
    expect(schemaOf(filename).version).toBe(5);
    let stored: LogEvent;
    const store = createSqliteStore({ filename });
    try {
      expect(SQLITE_SCHEMA_VERSION).toBe(8); // 7: notifications; 8: search
      expect(schemaOf(filename)).toEqual({ version: 8, readable_from: 1 });
      for (const { conversation, events } of expected.conversations) {
        expect((await store.readAfter(conversation.id, 0, 1000)).map((e) => [e.id, e.seq])).toEqual(events.map((e) => [e.id, e.seq]));
      }
      expect(await store.attachmentBytes('alice')).toBe(0);
      stored = await storeFileMessage(store, group.conversation.id);
    } finally {
      await store.close();
    }
    const reopened = createSqliteStore({ filename });
    try {
      expect((await reopened.getAttachments(group.conversation.id, ['at_compat']))[0]).toMatchObject({ state: 'attached', messageId: stored.id, width: 10 });
      expect(await reopened.getEvent(group.conversation.id, stored.id)).toMatchObject({ data: { attachments: [{ id: 'at_compat', name: 'photo.png' }] } });
      expect(await reopened.attachmentBytes('alice')).toBe(2048);
    } finally {
      await reopened.close();
    }
  });

  it('keeps a protocol-6 node working on the upgraded file: it reads the log (a message with a file too) and writes', async () => {
    const filename = copyOfFixture();
    const { id, lastSeq } = group.conversation;
    const store = createSqliteStore({ filename });
    const withFile = await storeFileMessage(store, id);
    await store.close();

    const release = await loadReleaseSqlite<ReleaseStore>('protocol-6');
    expect(release.SQLITE_SCHEMA_VERSION).toBe(5);
    const warnings: string[] = [];
    const oldNode = release.createSqliteStore({ filename }, { logger: { warn: (message) => void warnings.push(message) } });
    try {
      expect(warnings).toHaveLength(1); // a newer file it may use: said once
      const log = await oldNode.readAfter(id, 0, 1000);
      expect(log.map((e) => e.seq)).toEqual([...group.events.map((e) => e.seq), withFile.seq]);
      expect(log.at(-1)).toMatchObject({ id: withFile.id, kind: 'message', data: { text: 'a photo' } });
      const { event } = await oldNode.append({ conversationId: id, senderId: 'bob', clientMsgId: 'cmid-old-node', ts: T + 6, kind: 'message', data: { text: 'from the old node' } });
      expect(event.seq).toBe(lastSeq + 2);
    } finally {
      await oldNode.close();
    }
    const again = createSqliteStore({ filename });
    try {
      expect((await again.readAfter(id, lastSeq + 1, 10)).map((e) => e.senderId)).toEqual(['bob']);
      expect((await again.getAttachments(id, ['at_compat']))[0]?.state).toBe('attached');
    } finally {
      await again.close();
    }
  });
});

/** The release's MongoDB store: the snapshot bundles it as a chunk (no entry point of its own). */
async function loadReleaseMongo(): Promise<ReleaseMongo> {
  const chunks = releaseFile('protocol-6', 'chunks');
  const file = readdirSync(chunks).find((name) => /^mongo-store-[\w-]+\.mjs$/.test(name));
  if (!file) throw new Error(`no mongo-store chunk in ${chunks}`);
  return (await import(pathToFileURL(`${chunks}/${file}`).href)) as ReleaseMongo;
}

const uri = mongoTestUri('protocol 7 on a MongoDB database written by the protocol-6 release');
if (uri) {
  const freshDb = freshDatabases(uri, 'p6seven');
  const formatOf = (db: Db) => db.collection('parley_meta').findOne({ _id: 'format' as never });

  describe('protocol 7 on a MongoDB database written by the protocol-6 release', { timeout: 120_000 }, () => {
    it('upgrades to format 5 (readable from 1); the old log reads the same; files work on it; the protocol-6 store still reads and writes', async () => {
      const db = await freshDb();
      const release = await loadReleaseMongo();
      const old = release.createMongoStore({ db });
      await old.createConversation({ id: 'club', kind: 'group', title: 'book club', createdBy: 'carol', members: ['carol', 'alice'], directKey: null, ts: T });
      await old.append({ conversationId: 'club', senderId: 'alice', clientMsgId: 'c0', ts: T + 1, kind: 'message', data: { text: 'first' } });
      const log = await old.readAfter('club', 0, 100);
      await old.close();
      expect(await formatOf(db)).toMatchObject({ formatVersion: 4 });

      const store = createMongoStore({ db, logger: quiet });
      expect(await store.readAfter('club', 0, 100)).toEqual(log);
      expect(await formatOf(db)).toMatchObject({ formatVersion: 7, readableFrom: 1 });
      const withFile = await storeFileMessage(store, 'club');
      expect((await store.getAttachments('club', ['at_compat']))[0]).toMatchObject({ state: 'attached', messageId: withFile.id });

      const warnings: string[] = [];
      const oldNode = release.createMongoStore({ db, logger: { warn: (message) => void warnings.push(message) } });
      const seen = await oldNode.readAfter('club', 0, 100);
      expect(warnings).toHaveLength(1);
      expect(seen.at(-1)).toMatchObject({ id: withFile.id, data: { text: 'a photo' } });
      const { event } = await oldNode.append({ conversationId: 'club', senderId: 'carol', clientMsgId: 'late', ts: T + 9, kind: 'message', data: { text: 'late' } });
      expect(event.seq).toBe(withFile.seq + 1);
      await oldNode.close();
      expect((await store.readAfter('club', withFile.seq, 10)).map((e) => e.senderId)).toEqual(['carol']);
      await store.close();
    });
  });
}
