import { MongoClient, type Db } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { mongoForeignWriter } from '../../test/support/foreign-events.js';
import { createGroup, readWholeLog, sendText } from '../testing/fixtures.js';
import { MONGO_FORMAT_VERSION } from './mongo-meta.js';
import { createMongoStore } from './mongo-store.js';
import { StoreVersionError } from './schema-compat.js';

// A rolling deploy: the next release records a newer format in parley_meta while this one runs.
const uri = mongoTestUri('mongo store: format version in parley_meta');
if (uri) {
  let client: MongoClient | undefined;
  const dbs: Db[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.dropDatabase();
  });
  afterAll(() => client?.close());
  const freshDb = async () => {
    client ??= await MongoClient.connect(uri);
    const db = client.db(freshDatabaseName('meta'));
    dbs.push(db);
    return db;
  };
  const recordingLogger = () => {
    const lines: string[] = [];
    return { lines, logger: { warn: (message: string) => void lines.push(message) } };
  };

  describe('mongo store: format version', { timeout: 60_000 }, () => {
    it('records its format and readable-from in parley_meta on a new database', async () => {
      const db = await freshDb();
      await createGroup(createMongoStore({ db, autoIndex: false }), 'g1', ['alice']);
      expect(await db.collection('parley_meta').find().toArray()).toEqual([
        { _id: 'format', formatVersion: MONGO_FORMAT_VERSION, readableFrom: 1 },
      ]);
    });

    it('uses a database a newer release marked readable by this one, says so once, and leaves the mark', async () => {
      const db = await freshDb();
      await createGroup(createMongoStore({ db }), 'g1', ['alice', 'bob']);
      const mark = { formatVersion: MONGO_FORMAT_VERSION + 1, readableFrom: 1, reactionsIndexed: true };
      await db.collection<{ _id: string }>('parley_meta').updateOne({ _id: 'format' }, { $set: mark });
      await mongoForeignWriter(db)({
        conversationId: 'g1', senderId: 'bob', clientMsgId: 'r1', ts: 5, kind: 'reaction.added', data: { emoji: '🎉' }, extra: { v: 2 },
      });
      await db.collection<{ _id: string }>('parley_conversations').updateOne({ _id: 'g1' }, { $set: { pinned: true } });

      const { lines, logger } = recordingLogger();
      const store = createMongoStore({ db, logger });
      expect((await sendText(store, 'g1', 'alice', 'cmid-3')).event.seq).toBe(3);
      expect((await readWholeLog(store, 'g1')).map((e) => e.kind)).toEqual(['conversation.created', 'reaction.added', 'message']);
      expect(await store.getConversation('g1')).toMatchObject({ lastSeq: 3 });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`version ${MONGO_FORMAT_VERSION + 1}`);
      expect(await db.collection('parley_meta').findOne({ _id: 'format' as never })).toMatchObject(mark);
    });

    it('refuses a database a breaking newer step made unreadable, before writing anything', async () => {
      const db = await freshDb();
      await db.collection<{ _id: string; formatVersion: number; readableFrom: number }>('parley_meta').insertOne({ _id: 'format', formatVersion: 9, readableFrom: 9 });
      const store = createMongoStore({ db });
      const attempt = createGroup(store, 'g1', ['alice']);
      await expect(attempt).rejects.toBeInstanceOf(StoreVersionError);
      await expect(attempt).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE, store: 'mongodb', found: 9, readableFrom: 9, supported: MONGO_FORMAT_VERSION });
      await expect(store.ensureIndexes()).rejects.toBeInstanceOf(StoreVersionError);
      expect((await db.listCollections().toArray()).map((c) => c.name)).toEqual(['parley_meta']);
    });
  });
}
