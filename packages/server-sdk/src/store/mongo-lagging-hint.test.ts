import { MongoClient, type Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { createGroup, reportWatermarks, sendText, T0 } from '../testing/fixtures.js';
import { summarize } from '../server/summaries.js';
import { createMongoStore, type MongoChatStore } from './mongo-store.js';
import type { ConversationDoc } from './mongo-documents.js';

const suite = 'mongo store: reads when the lastSeq hint lags the log';
const uri = mongoTestUri(suite);

if (uri) {
  describe(suite, { timeout: 90_000 }, () => {
    let client: MongoClient;
    let db: Db;
    let store: MongoChatStore;
    beforeAll(async () => {
      client = await MongoClient.connect(uri);
    });
    afterAll(() => client.close());
    beforeEach(() => {
      db = client.db(freshDatabaseName('hint'));
      store = createMongoStore({ db });
    });
    afterEach(() => db.dropDatabase());

    /** What a node killed between an event's insert and the hint's `$max` leaves behind. */
    const lagHint = (id: string, lastSeq: number, lastActivityAt = T0) =>
      db.collection<ConversationDoc>('parley_conversations').updateOne({ _id: id }, { $set: { lastSeq, lastActivityAt } });

    /** g1 with seq 1 (created) and bob's messages 2..4, of which alice has read up to 2. */
    async function conversationWithLaggingHint(): Promise<void> {
      await createGroup(store, 'g1', ['alice', 'bob']);
      for (const n of [2, 3, 4]) await sendText(store, 'g1', 'bob', `cmid-${n}`, `text ${n}`, T0 + n * 1000);
      await reportWatermarks(store, 'g1', 'alice', { readSeq: 2 });
      await lagHint('g1', 2);
    }

    it('getConversation and listMemberships report the end of the log, not the hint', async () => {
      await conversationWithLaggingHint();
      expect(await store.getConversation('g1')).toMatchObject({ lastSeq: 4, lastActivityAt: T0 + 4000 });
      const [membership] = await store.listMemberships('alice');
      expect(membership?.conversation).toMatchObject({ id: 'g1', lastSeq: 4, lastActivityAt: T0 + 4000 });
      // The read repaired the hint for everyone else too.
      expect(await db.collection<ConversationDoc>('parley_conversations').findOne({ _id: 'g1' })).toMatchObject({ lastSeq: 4 });
    });

    it('a member’s summary counts the unread messages past the hint', async () => {
      await conversationWithLaggingHint();
      const [membership] = await store.listMemberships('alice');
      const summary = await summarize({ store, receiptFanoutMax: 50 }, membership!.conversation, membership!.member);
      expect(summary).toMatchObject({ lastSeq: 4, readSeq: 2, unread: 2 });
      expect(await store.countUnread('g1', 'alice', 2)).toBe(2);
    });

    it('the newest history page and reads after a cursor reach the end of the log', async () => {
      await conversationWithLaggingHint();
      const conversation = await store.getConversation('g1');
      // The server's history and REST pages start at lastSeq + 1: with the hint, seq 3 and 4 were cut.
      const newest = await store.readBefore('g1', conversation!.lastSeq + 1, 10);
      expect(newest.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect((await store.readAfter('g1', 2, 10)).map((e) => e.seq)).toEqual([3, 4]);
    });

    it('watermarks clamp to the end of the log, for the member and for each device', async () => {
      await conversationWithLaggingHint();
      expect(await reportWatermarks(store, 'g1', 'alice', { readSeq: 99 })).toMatchObject({ readSeq: 4, deliveredSeq: 4 });
      await lagHint('g1', 2);
      const marks = await store.updateDeviceWatermarks('g1', 'bob', 'bob-phone', { deliveredSeq: 99 }, T0 + 9000);
      expect(marks).toMatchObject({ member: { deliveredSeq: 4 }, device: { deliveredSeq: 4 } });
    });

    it('a conversation whose hint is right is read as it is', async () => {
      await createGroup(store, 'g2', ['alice']);
      await sendText(store, 'g2', 'alice', 'cmid-2', 'hi', T0 + 2000);
      expect(await store.getConversation('g2')).toMatchObject({ lastSeq: 2, lastActivityAt: T0 + 2000 });
      expect((await store.listMemberships('alice')).map((m) => m.conversation.lastSeq)).toEqual([2]);
      expect(await store.getConversation('missing')).toBeNull();
    });
  });
}
