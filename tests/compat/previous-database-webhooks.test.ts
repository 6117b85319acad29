import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import type { Db } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult, ChatStore, CreateConversationInput, NewDelivery, StoredConversation } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { SQLITE_SCHEMA_VERSION, createSqliteStore } from '@parley/server-sdk/sqlite';
import { freshDatabases, mongoTestUri } from '../helpers/mongo-env.js';
import { releaseFile, type ReleaseName } from './releases.js';

// The webhook queue (SQLite schema 5, MongoDB format 4) on databases the protocol-4 and
// protocol-5 releases wrote: today's store adds it on open, old data reads as before, the queue
// works at once (its deliveries name old events, whose bodies are read from the log), and a node
// of that release started after the upgrade still opens the database and writes events that get
// queued too.
const RELEASES: readonly ReleaseName[] = ['protocol-4', 'protocol-5'];

/** The part of the protocol-4 release's stores this test uses (its bundles have no types). */
interface ReleaseStore {
  createConversation(input: CreateConversationInput): Promise<unknown>;
  append(input: AppendInput): Promise<AppendResult>;
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LogEvent[]>;
  close(): Promise<void>;
}
type Quiet = { logger?: { warn(message: string): void } };
type ReleaseSqlite = { createSqliteStore(target: { filename: string }, options?: Quiet): ReleaseStore };
type ReleaseMongo = { createMongoStore(options: { db: Db } & Quiet): ReleaseStore };

const LEASE = 30_000;
const T = 1_700_000_000_000;
const delivery = (event: LogEvent, endpoint = 'crm'): NewDelivery => ({
  id: `${endpoint}:${event.id}`, endpoint, eventId: event.id, conversationId: event.conversationId, payload: null, nextAttemptAt: T, createdAt: T,
});

/** Queues every event, claims them all and checks that each claim names an event the log still reads the same. */
async function queueAndDeliver(store: ChatStore, log: readonly LogEvent[]): Promise<void> {
  await store.enqueueDeliveries(log.map((event) => delivery(event)), T);
  await store.enqueueDeliveries(log.map((event) => delivery(event)), T + 1); // a retried enqueue
  const claimed = await store.claimDeliveries(T + 1, log.length + 10, LEASE);
  expect(claimed.map((d) => d.eventId).sort()).toEqual(log.map((e) => e.id).sort());
  const byId = new Map(log.map((event) => [event.id, event]));
  for (const d of claimed) {
    expect(await store.getEvent(d.conversationId!, d.eventId)).toEqual(byId.get(d.eventId));
    expect(await store.settleDelivery(d.id, d.claimToken!, { state: 'delivered' }, T + 2)).toBe(true);
  }
  expect((await store.listDeliveries({ state: 'delivered', limit: log.length + 10 })).length).toBe(log.length);
  expect(await store.claimDeliveries(T + 10 * LEASE, 10, LEASE)).toEqual([]);
}

describe.each(RELEASES)('the webhook queue on a SQLite database written by the %s release', (releaseName) => {
  interface Expected { conversations: { conversation: StoredConversation; events: Array<Pick<LogEvent, 'id' | 'seq'>> }[] }
  const expected = JSON.parse(readFileSync(releaseFile(releaseName, 'parley.expected.json'), 'utf8')) as Expected;
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function copyOfFixture(): string {
    const dir = mkdtempSync(join(tmpdir(), 'parley-release-webhooks-'));
    dirs.push(dir);
    copyFileSync(releaseFile(releaseName, 'parley.sqlite'), join(dir, 'parley.sqlite'));
    return join(dir, 'parley.sqlite');
  }
  const tablesOf = (filename: string) => {
    const db = new BetterSqlite3(filename, { readonly: true });
    const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name LIKE 'parley_webhook%'").all();
    const schema = db.prepare('SELECT version, readable_from FROM parley_schema WHERE id = 1').get();
    db.close();
    return { names: names.map((row) => row.name).sort(), schema };
  };

  it('adds the queue additively (schema 5, readable from 1); the old log reads the same and its events are delivered', async () => {
    const filename = copyOfFixture();
    expect(tablesOf(filename).names).toEqual([]);
    const store = createSqliteStore({ filename });
    try {
      expect(SQLITE_SCHEMA_VERSION).toBe(8);
      expect(tablesOf(filename)).toEqual({
        names: ['parley_webhook_deliveries', 'parley_webhook_deliveries_due', 'parley_webhook_deliveries_endpoint', 'parley_webhook_deliveries_state'],
        schema: { version: 8, readable_from: 1 },
      });
      const logs: LogEvent[] = [];
      for (const { conversation, events } of expected.conversations) {
        const log = await store.readAfter(conversation.id, 0, 1000);
        expect(log.map((e) => [e.id, e.seq])).toEqual(events.map((e) => [e.id, e.seq]));
        logs.push(...log);
      }
      await queueAndDeliver(store, logs);
    } finally {
      await store.close();
    }
  });

  it('keeps a node of that release working on the upgraded file; what it writes is queued and claimed', async () => {
    const filename = copyOfFixture();
    const store = createSqliteStore({ filename });
    const release = (await import(pathToFileURL(releaseFile(releaseName, 'server-sqlite.mjs')).href)) as ReleaseSqlite;
    const warnings: string[] = [];
    const oldNode = release.createSqliteStore({ filename }, { logger: { warn: (message) => void warnings.push(message) } });
    try {
      expect(warnings).toHaveLength(1);
      const { id, lastSeq } = expected.conversations[0]!.conversation;
      const { event } = await oldNode.append({ conversationId: id, senderId: 'carol', clientMsgId: 'cmid-old-node', ts: T, kind: 'message', data: { text: 'from the old node' } });
      expect(event.seq).toBe(lastSeq + 1);
      await queueAndDeliver(store, [event]);
      expect((await oldNode.readAfter(id, lastSeq, 10)).map((e) => e.id)).toEqual([event.id]);
    } finally {
      await oldNode.close();
      await store.close();
    }
  });
});

const uri = mongoTestUri('the webhook queue on a MongoDB database written by a previous release');
if (uri) {
  const freshDb = freshDatabases(uri, 'p4hooks');
  /** The release's MongoDB store: the snapshot bundles it as a chunk (no entry point of its own). */
  const loadRelease = async (releaseName: ReleaseName): Promise<ReleaseMongo> => {
    const chunks = releaseFile(releaseName, 'chunks');
    const file = readdirSync(chunks).find((name) => /^mongo-store-[\w-]+\.mjs$/.test(name));
    if (!file) throw new Error(`no mongo-store chunk in ${chunks}`);
    return (await import(pathToFileURL(`${chunks}/${file}`).href)) as ReleaseMongo;
  };
  const quiet = { warn: () => {} };
  async function writeWithRelease(store: ReleaseStore): Promise<LogEvent[]> {
    await store.createConversation({ id: 'club', kind: 'group', title: 'book club', createdBy: 'carol', members: ['carol', 'alice'], directKey: null, ts: T });
    for (const [i, text] of ['first', 'second', 'third'].entries()) {
      await store.append({ conversationId: 'club', senderId: i % 2 ? 'alice' : 'carol', clientMsgId: `c${i}`, ts: T + i, kind: 'message', data: { text } });
    }
    return store.readAfter('club', 0, 100);
  }

  describe.each(RELEASES)('the webhook queue on a MongoDB database written by the %s release', { timeout: 120_000 }, (releaseName) => {
    it('upgrades to format 4 (readable from 1) with the queue\'s collections; the old log reads the same and its events are delivered', async () => {
      const db = await freshDb();
      const old = (await loadRelease(releaseName)).createMongoStore({ db });
      const log = await writeWithRelease(old);
      await old.close();
      expect(await db.collection('parley_meta').findOne({ _id: 'format' as never })).toMatchObject({ formatVersion: releaseName === 'protocol-4' ? 2 : 3 });

      const store = createMongoStore({ db, logger: quiet });
      expect(await store.readAfter('club', 0, 100)).toEqual(log);
      expect(await db.collection('parley_meta').findOne({ _id: 'format' as never })).toMatchObject({ formatVersion: 7, readableFrom: 1 });
      await queueAndDeliver(store, log);
      const collections = (await db.listCollections().toArray()).map((c) => c.name);
      expect(collections).toEqual(expect.arrayContaining(['parley_webhook_deliveries', 'parley_webhook_claims']));
      await store.close();
    });

    it('keeps a node of that release working on the upgraded database; what it writes is queued and claimed', async () => {
      const db = await freshDb();
      const release = await loadRelease(releaseName);
      const setup = release.createMongoStore({ db });
      await writeWithRelease(setup);
      await setup.close();
      const store = createMongoStore({ db, logger: quiet });
      await store.ensureIndexes();
      const warnings: string[] = [];
      const old = release.createMongoStore({ db, logger: { warn: (message) => void warnings.push(message) } });
      const { event } = await old.append({ conversationId: 'club', senderId: 'alice', clientMsgId: 'late', ts: T + 9, kind: 'message', data: { text: 'late' } });
      expect(warnings).toHaveLength(1);
      expect(event.seq).toBe(5);
      await queueAndDeliver(store, [event]);
      await old.close();
      await store.close();
    });
  });
}
