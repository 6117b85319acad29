import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import type { LogEvent, MessageData } from '@parley/protocol';
import type { AppendInput, AppendResult, ChatStore, CreateConversationInput } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { freshDatabases, mongoTestUri } from '../helpers/mongo-env.js';
import { releaseFile } from './releases.js';

// A MongoDB database written by the protocol-4 release (format 2), made in the test by that
// release's own store against the test's MongoDB-wire server (FerretDB in CI): messages with app
// data, mentions and replies quoting others. Today's store upgrades it to format 3 (lane on every
// event, two indexes): every event reads back as that release read it, the old messages are the
// timeline lane, erasing an old quoted message empties the old replies' previews, and a
// protocol-4 node still writing during the rolling deploy (documents without lane) is served too.

/** The part of the protocol-4 release's store this test uses (its bundle has no types). */
type ReleaseStore = Pick<ChatStore, 'append' | 'readAfter' | 'close'> & {
  createConversation(input: CreateConversationInput): Promise<unknown>;
};
type ReleaseMongo = { createMongoStore(options: { db: Db; logger?: { warn(message: string): void } }): ReleaseStore };

/** The release's MongoDB store: the snapshot bundles it as a chunk (no entry point of its own). */
async function loadRelease(): Promise<ReleaseMongo> {
  const chunks = releaseFile('protocol-4', 'chunks');
  const file = readdirSync(chunks).find((name) => /^mongo-store-[\w-]+\.mjs$/.test(name));
  if (!file) throw new Error(`no mongo-store chunk in ${chunks}`);
  return (await import(pathToFileURL(`${chunks}/${file}`).href)) as ReleaseMongo;
}

const T = 1_700_000_000_000;
const message = (store: Pick<ChatStore, 'append'>, senderId: string, clientMsgId: string, data: MessageData): Promise<AppendResult> =>
  store.append({ conversationId: 'club', senderId, clientMsgId, ts: T + Number(clientMsgId.replace(/\D/g, '')), kind: 'message', data } as AppendInput);

/** What the protocol-4 release writes: a group with content, replies quoting two of its messages. */
async function writeWithRelease(store: ReleaseStore) {
  await store.createConversation({ id: 'club', kind: 'group', title: 'book club', createdBy: 'carol', members: ['carol', 'alice', 'bob'], directKey: null, ts: T });
  const first = (await message(store, 'carol', 'c1', { text: 'first' })).event;
  const order = (await message(store, 'carol', 'c2', { text: 'the order', custom: { kind: 'order', orderId: 'A-1042', lines: [[1, 'book']] } })).event;
  await message(store, 'alice', 'c3', { text: '@carol look', mentions: ['carol'] });
  await message(store, 'alice', 'c4', { text: 'replying', mentions: ['carol'], replyTo: { messageId: first.id, seq: first.seq, senderId: 'carol', preview: 'first' } });
  await message(store, 'bob', 'c5', { custom: { kind: 'poll', question: 'next?' } });
  await message(store, 'bob', 'c6', { text: 'quoting the order', replyTo: { messageId: order.id, seq: order.seq, senderId: 'carol', preview: 'the order' } });
  return { first, order, log: await store.readAfter('club', 0, 100) };
}

const uri = mongoTestUri('a MongoDB database written by the protocol-4 release');
if (uri) {
  const freshDb = freshDatabases(uri, 'p4');
  const quiet = { warn: () => {} };

  describe('a MongoDB database written by the protocol-4 release', { timeout: 120_000 }, () => {
    it('upgrades to format 3: lane on every old event, the new indexes, every event as the release read it, the old messages as the timeline', async () => {
      const db = await freshDb();
      const old = (await loadRelease()).createMongoStore({ db });
      const { log } = await writeWithRelease(old);
      await old.close();
      expect(await db.collection('parley_meta').findOne({ _id: 'format' as never })).toMatchObject({ formatVersion: 2 });
      expect(await db.collection('parley_events').countDocuments({ lane: { $exists: true } })).toBe(0);

      const store = createMongoStore({ db, logger: quiet });
      expect(await store.readAfter('club', 0, 100)).toEqual(log);
      expect(await db.collection('parley_meta').findOne({ _id: 'format' as never })).toMatchObject({ formatVersion: 7, readableFrom: 1 }); // 4: the webhook queue (previous-database-webhooks.test.ts); 5: attachments; 6: notifications; 7: pending message changes
      expect(await db.collection('parley_events').countDocuments({ lane: 0 })).toBe(log.length);
      const indexes = (await db.collection('parley_events').indexes()).map((index) => index.name);
      expect(indexes).toEqual(expect.arrayContaining(['parley_events_lane', 'parley_events_quotes']));
      for (const event of log) expect(await store.getEvent('club', event.id)).toEqual(event);
      expect(await store.readLane('club', 0, 100, 100)).toEqual(log);
      expect(await store.readLane('club', 0, 100, 2)).toEqual(log.slice(-2));
      expect(await store.readChanges('club', log.map((e) => e.seq), 100)).toEqual([]);
      expect(await store.countUnreadMentions('club', 'carol', 0)).toBe(2);
      await store.close();
    });

    it('erases an old quoted message: its content and the previews of the old replies quoting it', async () => {
      const db = await freshDb();
      const old = (await loadRelease()).createMongoStore({ db });
      const { first, order, log } = await writeWithRelease(old);
      await old.close();
      const store = createMongoStore({ db, logger: quiet });
      await store.eraseMessage('club', order.seq);
      await store.eraseMessage('club', first.seq);
      const after = await store.readAfter('club', 0, 100);
      const data = (seq: number) => after.find((e) => e.seq === seq)!.data as MessageData;
      expect([data(first.seq), data(order.seq)]).toEqual([{ erased: true }, { erased: true }]);
      const replies = log.filter((e): e is Extract<LogEvent, { kind: 'message' }> => e.kind === 'message' && e.data.replyTo !== undefined);
      expect(replies).toHaveLength(2);
      for (const reply of replies) expect(data(reply.seq)).toEqual({ ...reply.data, replyTo: { ...reply.data.replyTo!, preview: '' } });
      expect(JSON.stringify(await db.collection('parley_events').find().toArray())).not.toContain('A-1042');
      await store.close();
    });

    it('serves a protocol-4 node still writing during the rolling deploy: its documents without lane are timeline events, its replies are erased too', async () => {
      const db = await freshDb();
      const release = await loadRelease();
      const setup = release.createMongoStore({ db });
      const { first } = await writeWithRelease(setup);
      await setup.close();
      const store = createMongoStore({ db, logger: quiet });
      await store.getConversation('club');
      // Started after the upgrade: format 3 says it is readable from format 1.
      const old = release.createMongoStore({ db, logger: quiet });
      const replyTo = { messageId: first.id, seq: first.seq, senderId: 'carol', preview: 'first' };
      const late = (await message(old, 'bob', 'c7', { text: 'late reply', replyTo })).event;
      expect(await db.collection('parley_events').findOne({ _id: late.id as never })).not.toHaveProperty('lane');
      expect((await store.readLane('club', 0, 100, 1)).map((e) => e.id)).toEqual([late.id]);
      expect((await store.readLane('club', 0, late.seq, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await store.eraseMessage('club', first.seq);
      expect((await store.getEvent('club', late.id))?.data).toEqual({ text: 'late reply', replyTo: { ...replyTo, preview: '' } });
      await old.close();
      await store.close();
    });
  });
}
