import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult, CreateConversationInput } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { freshDatabases, mongoTestUri } from '../helpers/mongo-env.js';
import { releaseFile } from './releases.js';

// Protocol 6's store additions (MongoDB format 4, additive) on a database the protocol-5 release
// wrote (format 3): today's store reads its documents with no details, unmuted, as owners and
// members, and every new method works on them; the protocol-5 release's store still opens the
// upgraded database, reads it (an admin's role included) and writes to it.

/** The part of the protocol-5 release's MongoDB store this test uses (its bundle has no types). */
interface ReleaseStore {
  createConversation(input: CreateConversationInput): Promise<unknown>;
  addMembers(conversationId: string, userIds: string[], role: 'owner' | 'member', ts: number): Promise<string[]>;
  getMember(conversationId: string, userId: string): Promise<Record<string, unknown> | null>;
  getConversation(conversationId: string): Promise<Record<string, unknown> | null>;
  append(input: AppendInput): Promise<AppendResult>;
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LogEvent[]>;
  close(): Promise<void>;
}
type ReleaseMongo = { createMongoStore(options: { db: Db; logger?: { warn(message: string): void } }): ReleaseStore };

const T = 1_800_000_000_000;
const quiet = { warn: () => {} };

/** The release's MongoDB store: the snapshot bundles it as a chunk (no entry point of its own). */
async function loadRelease(): Promise<ReleaseMongo> {
  const chunks = releaseFile('protocol-5', 'chunks');
  const file = readdirSync(chunks).find((name) => /^mongo-store-[\w-]+\.mjs$/.test(name));
  if (!file) throw new Error(`no mongo-store chunk in ${chunks}`);
  return (await import(pathToFileURL(`${chunks}/${file}`).href)) as ReleaseMongo;
}

/** A group as the protocol-5 release writes it: carol owns it, alice and bob joined at once, dave later. */
async function writeWithRelease(store: ReleaseStore): Promise<LogEvent[]> {
  await store.createConversation({ id: 'club', kind: 'group', title: 'book club', createdBy: 'carol', members: ['carol', 'alice', 'bob'], directKey: null, ts: T });
  await store.addMembers('club', ['dave'], 'member', T + 1);
  for (const [i, text] of ['first', 'second'].entries()) {
    await store.append({ conversationId: 'club', senderId: 'alice', clientMsgId: `c${i}`, ts: T + 2 + i, kind: 'message', data: { text } });
  }
  return store.readAfter('club', 0, 100);
}

const uri = mongoTestUri('protocol 6 on a MongoDB database written by the protocol-5 release');
if (uri) {
  const freshDb = freshDatabases(uri, 'p5six');
  const formatOf = (db: Db) => db.collection('parley_meta').findOne({ _id: 'format' as never });

  describe('protocol 6 on a MongoDB database written by the protocol-5 release', { timeout: 120_000 }, () => {
    it('upgrades to format 4 and on (5 today; readable from 1); old documents read without details, unmuted; every new method works on them', async () => {
      const db = await freshDb();
      const old = (await loadRelease()).createMongoStore({ db });
      const log = await writeWithRelease(old);
      await old.close();
      expect(await formatOf(db)).toMatchObject({ formatVersion: 3 });

      const store = createMongoStore({ db, logger: quiet });
      expect(await store.readAfter('club', 0, 100)).toEqual(log);
      expect(await formatOf(db)).toMatchObject({ formatVersion: 7, readableFrom: 1 });
      expect(await store.getConversation('club')).toMatchObject({ title: 'book club', memberCount: 4, image: null, description: null, custom: null, slowModeMs: null });
      expect((await store.listMembers('club')).map((m) => [m.userId, m.role, m.mutedUntil]).sort()).toEqual([
        ['alice', 'member', null], ['bob', 'member', null], ['carol', 'owner', null], ['dave', 'member', null],
      ]);

      expect(await store.updateConversation('club', { description: 'we read', custom: { 'a.b': { $c: 1 } } })).toMatchObject({ description: 'we read', custom: { 'a.b': { $c: 1 } } });
      expect(await store.setRoles('club', [{ userId: 'dave', role: 'admin' }])).toMatchObject([{ userId: 'dave', role: 'admin' }]);
      expect(await store.setMutedUntil('club', 'bob', T + 60_000)).toMatchObject({ mutedUntil: T + 60_000 });
      await store.updateBlocks('alice', { block: ['bob'] }, 1000, T);
      expect(await store.blockedBetween('bob', ['alice', 'carol'])).toEqual(['alice']);
      await store.addBans('club', ['mallory'], T);
      expect(await store.filterBanned('club', ['mallory', 'alice'])).toEqual(['mallory']);
      const { created } = await store.saveReport({ id: 'rep_1', conversationId: 'club', messageId: log[1]!.id, messageSeq: 2, reporterId: 'bob', reason: 'spoilers', createdAt: T, updatedAt: T });
      expect(created).toBe(true);
      // The heir rule on old members: dave (now admin) inherits before alice and bob, who joined first.
      await store.removeMembers('club', ['carol']);
      expect((await store.getMember('club', 'dave'))?.role).toBe('owner');
      await store.close();
    });

    it('keeps a protocol-5 node working on the upgraded database: it reads the log and an admin, and writes', async () => {
      const db = await freshDb();
      const release = await loadRelease();
      const setup = release.createMongoStore({ db });
      const log = await writeWithRelease(setup);
      await setup.close();
      const store = createMongoStore({ db, logger: quiet });
      await store.ensureIndexes();
      await store.setRoles('club', [{ userId: 'dave', role: 'admin' }]);
      await store.updateConversation('club', { image: 'https://cdn.example/club.png', custom: { shelf: [1, [2]] } });
      await store.setMutedUntil('club', 'alice', T + 5);

      const warnings: string[] = [];
      const old = release.createMongoStore({ db, logger: { warn: (message) => void warnings.push(message) } });
      expect(await old.readAfter('club', 0, 100)).toEqual(log);
      expect(warnings).toHaveLength(1);
      expect(await old.getMember('club', 'dave')).toMatchObject({ role: 'admin' });
      expect(await old.getConversation('club')).toMatchObject({ id: 'club', title: 'book club', lastSeq: log.length });
      expect(await old.addMembers('club', ['erin'], 'member', T + 9)).toEqual(['erin']);
      const { event } = await old.append({ conversationId: 'club', senderId: 'alice', clientMsgId: 'late', ts: T + 9, kind: 'message', data: { text: 'late' } });
      expect(event.seq).toBe(log.length + 1);
      await old.close();

      expect(await store.getMember('club', 'erin')).toMatchObject({ role: 'member', mutedUntil: null });
      expect(await store.getMember('club', 'alice')).toMatchObject({ mutedUntil: T + 5 });
      expect(await store.getConversation('club')).toMatchObject({ image: 'https://cdn.example/club.png', custom: { shelf: [1, [2]] }, lastSeq: log.length + 1 });
      await store.close();
    });
  });
}
