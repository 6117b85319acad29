import { fileURLToPath } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { appendBurst, createDirect, createGroup, logProblems, range, readWholeLog, reportWatermarks, sendText } from '../testing/fixtures.js';
import { laneProblems } from '../testing/conformance-changes.js';
import { reactionProblems } from '../testing/conformance-reactions.js';
import { runWorkers } from '../testing/workers.js';
import { directKeyOf } from './store-helpers.js';
import { createMongoStore } from './mongo-store.js';
import type { ConversationDoc, EventDoc, MemberDoc } from './mongo-documents.js';

const worker = fileURLToPath(new URL('../testing/workers/store-worker.ts', import.meta.url));
const suite = 'mongo store: several nodes, crashes, indexes';
const uri = mongoTestUri(suite);

if (uri) {
  describe(suite, { timeout: 90_000 }, () => {
    let client: MongoClient;
    let db: Db;
    beforeAll(async () => {
      client = await MongoClient.connect(uri);
    });
    afterAll(() => client.close());
    beforeEach(() => {
      db = client.db(freshDatabaseName('nodes'));
    });
    afterEach(() => db.dropDatabase());

    it('keeps seqs contiguous when two store instances append to one conversation at once', async () => {
      const [a, b] = [createMongoStore({ db }), createMongoStore({ db })];
      await createGroup(a, 'g1', ['alice', 'bob']);
      const results = await Promise.all([
        appendBurst(a, { conversationId: 'g1', senderId: 'node-a', count: 40 }),
        appendBurst(b, { conversationId: 'g1', senderId: 'node-b', count: 40 }),
      ]);
      expect(results.flat().map((r) => r.event.seq).sort((x, y) => x - y)).toEqual(range(2, 81));
      expect(await logProblems(a, 'g1')).toEqual([]);
    });

    it('keeps seqs contiguous when two processes append to one conversation at once', async () => {
      const setup = createMongoStore({ db });
      await createGroup(setup, 'g1', ['alice', 'bob']);
      const perWorker = 100;
      const base = {
        PARLEY_WORKER_STORE: 'mongodb', PARLEY_WORKER_TARGET: uri, PARLEY_WORKER_DB: db.databaseName,
        PARLEY_WORKER_OP: 'append', PARLEY_WORKER_COUNT: String(perWorker), PARLEY_WORKER_CONVERSATION: 'g1',
      };
      const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
      const seqs = runs.flatMap((r) => (r.result as Array<{ seq: number }>).map((e) => e.seq));
      expect(seqs.sort((x, y) => x - y)).toEqual(range(2, 2 * perWorker + 1));
      expect(await logProblems(setup, 'g1')).toEqual([]);
      const senders = new Set((await readWholeLog(setup, 'g1')).slice(1).map((e) => e.senderId));
      expect(senders).toEqual(new Set(['p1', 'p2']));
    });

    it('keeps lanes a partition of the log when two processes append messages, thread replies and reactions at once', async () => {
      const setup = createMongoStore({ db });
      await createGroup(setup, 'g1', ['alice', 'bob']);
      const root = (await sendText(setup, 'g1', 'alice', 'root', 'root')).event;
      const perWorker = 25;
      const base = {
        PARLEY_WORKER_STORE: 'mongodb', PARLEY_WORKER_TARGET: uri, PARLEY_WORKER_DB: db.databaseName, PARLEY_WORKER_OP: 'lanes',
        PARLEY_WORKER_COUNT: String(perWorker), PARLEY_WORKER_CONVERSATION: 'g1', PARLEY_WORKER_ROOT_ID: root.id, PARLEY_WORKER_ROOT_SEQ: String(root.seq),
      };
      const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
      expect(await logProblems(setup, 'g1')).toEqual([]);
      expect(await laneProblems(setup, 'g1')).toEqual([]);
      const last = 2 + 3 * 2 * perWorker;
      expect(await setup.readLane('g1', 0, last + 1, 1000)).toHaveLength(2 + 2 * perWorker);
      expect(await setup.readChanges('g1', [root.seq], last)).toHaveLength(2 * perWorker);
      expect((await setup.countReplies('g1', [root.seq], last)).get(root.seq)?.count).toBe(2 * perWorker);
    });

    it('reads reactions equal to the fold of the log when two processes add and remove the same users\' reactions at once', async () => {
      const setup = createMongoStore({ db });
      await createGroup(setup, 'g1', ['alice', 'bob', 'carol']);
      const root = (await sendText(setup, 'g1', 'alice', 'root', 'root')).event;
      const perWorker = 30;
      const base = {
        PARLEY_WORKER_STORE: 'mongodb', PARLEY_WORKER_TARGET: uri, PARLEY_WORKER_DB: db.databaseName, PARLEY_WORKER_OP: 'reactions',
        PARLEY_WORKER_COUNT: String(perWorker), PARLEY_WORKER_CONVERSATION: 'g1', PARLEY_WORKER_ROOT_ID: root.id, PARLEY_WORKER_ROOT_SEQ: String(root.seq),
      };
      const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
      expect(runs.flatMap((r) => r.result as Array<{ duplicate: boolean }>).filter((r) => !r.duplicate)).toHaveLength(2 * perWorker);
      expect(await logProblems(setup, 'g1')).toEqual([]);
      expect(await reactionProblems(setup, 'g1')).toEqual([]);
      expect((await setup.readReactions('g1', [root.seq], 1000)).get(root.seq)?.length).toBeGreaterThan(0);
    });

    it('creates one direct conversation when two processes open it at once', async () => {
      await createMongoStore({ db }).ensureIndexes();
      const base = {
        PARLEY_WORKER_STORE: 'mongodb', PARLEY_WORKER_TARGET: uri, PARLEY_WORKER_DB: db.databaseName,
        PARLEY_WORKER_OP: 'direct', PARLEY_WORKER_COUNT: '5',
      };
      const runs = await runWorkers(worker, ['p1', 'p2'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
      expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, '']]);
      const results = runs.flatMap((r) => r.result as Array<{ id: string; created: boolean }>);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await db.collection('parley_conversations').countDocuments()).toBe(1);
      const store = createMongoStore({ db });
      expect((await readWholeLog(store, results[0]!.id)).map((e) => [e.seq, e.kind])).toEqual([[1, 'conversation.created']]);
      expect((await store.getConversation(results[0]!.id))?.memberCount).toBe(2);
    });

    it('finds the end of the log when a crash left the conversation’s lastSeq behind', async () => {
      const store = createMongoStore({ db });
      await createGroup(store, 'g1', ['alice', 'bob']);
      await sendText(store, 'g1', 'alice', 'cmid-0002');
      const crashed = await sendText(store, 'g1', 'alice', 'cmid-0003');
      // What a node that died between the event insert and the $max leaves behind.
      await db.collection<ConversationDoc>('parley_conversations').updateOne({ _id: 'g1' }, { $set: { lastSeq: 1 } });

      const next = await sendText(store, 'g1', 'bob', 'cmid-0004');
      expect(next).toMatchObject({ duplicate: false, event: { seq: 4 } });
      expect(await logProblems(store, 'g1')).toEqual([]);

      // A crash after the newest event's insert: that message's retry repairs the hint.
      const newest = await sendText(store, 'g1', 'alice', 'cmid-0005');
      const conversations = db.collection<ConversationDoc>('parley_conversations');
      await conversations.updateOne({ _id: 'g1' }, { $set: { lastSeq: 4 } });
      // Readers see the end of the log even before that (mongo-lagging-hint.test.ts has the rest).
      expect((await store.getConversation('g1'))?.lastSeq).toBe(5);
      expect(await sendText(store, 'g1', 'alice', 'cmid-0005')).toEqual({ duplicate: true, event: newest.event });
      expect((await conversations.findOne({ _id: 'g1' }))?.lastSeq).toBe(5);
      expect(await sendText(store, 'g1', 'alice', 'cmid-0003')).toEqual({ duplicate: true, event: crashed.event });
      // Watermarks clamp to the log, not to the lagging hint.
      await db.collection<ConversationDoc>('parley_conversations').updateOne({ _id: 'g1' }, { $set: { lastSeq: 1 } });
      expect(await reportWatermarks(store, 'g1', 'bob', { readSeq: 99 })).toMatchObject({ readSeq: 5, deliveredSeq: 5 });
    });

    it('finishes a direct create that crashed after its first step when it is called again', async () => {
      const store = createMongoStore({ db });
      await store.ensureIndexes();
      const directKey = directKeyOf('alice', 'bob');
      // The conversation document alone: the node died before members and the created event.
      await db.collection<ConversationDoc>('parley_conversations').insertOne({
        _id: 'd1', kind: 'direct', title: null, directKey, createdBy: 'alice', createdAt: 1000,
        lastSeq: 0, lastActivityAt: 1000, memberCount: 0, initialMembers: ['alice', 'bob'],
      });
      const again = await createDirect(store, 'd2', 'bob', 'alice', 5000);
      expect(again).toMatchObject({ created: false, conversation: { id: 'd1', lastSeq: 1, memberCount: 2, createdBy: 'alice' } });
      expect(await readWholeLog(store, 'd1')).toMatchObject([
        { seq: 1, kind: 'conversation.created', senderId: 'alice', ts: 1000, data: { members: ['alice', 'bob'] } },
      ]);
      expect(await store.getMember('d1', 'alice')).toMatchObject({ role: 'owner', joinedAt: 1000 });
      expect((await store.listMemberships('bob')).map((m) => m.conversation.id)).toEqual(['d1']);
    });

    it('finishes a create that crashed after its members when it is called again', async () => {
      const store = createMongoStore({ db });
      await store.ensureIndexes();
      const directKey = directKeyOf('alice', 'bob');
      await db.collection<ConversationDoc>('parley_conversations').insertOne({
        _id: 'd1', kind: 'direct', title: null, directKey, createdBy: 'alice', createdAt: 1000,
        lastSeq: 0, lastActivityAt: 1000, memberCount: 0, initialMembers: ['alice', 'bob'],
      });
      const members = db.collection<MemberDoc>('parley_members');
      await members.insertOne({ _id: 'd1\nalice', conversationId: 'd1', userId: 'alice', role: 'owner', joinedAt: 1000, deliveredSeq: 0, readSeq: 0 });
      const again = await createDirect(store, 'd9', 'alice', 'bob', 7000);
      expect(again.conversation).toMatchObject({ id: 'd1', lastSeq: 1, memberCount: 2 });
      expect(await db.collection<EventDoc>('parley_events').countDocuments({ conversationId: 'd1' })).toBe(1);
    });

    it('creates its indexes idempotently, unique where correctness depends on it', async () => {
      const store = createMongoStore({ db, autoIndex: false });
      await store.ensureIndexes();
      await store.ensureIndexes();
      const events = await db.collection('parley_events').indexes();
      const byName = new Map(events.map((index) => [index.name, index]));
      expect(byName.get('parley_events_seq')).toMatchObject({ key: { conversationId: 1, seq: 1 }, unique: true });
      expect(byName.get('parley_events_dedup')).toMatchObject({
        key: { conversationId: 1, senderId: 1, clientMsgId: 1 }, unique: true,
      });
      const conversations = await db.collection('parley_conversations').indexes();
      expect(conversations.find((index) => index.name === 'parley_conversations_direct')).toMatchObject({ unique: true });
    });

    it('uses the collection prefix and leaves the caller’s client open', async () => {
      const store = createMongoStore({ db, collectionPrefix: 'chat_' });
      await createGroup(store, 'g1', ['alice']);
      await store.close();
      const names = (await db.listCollections().toArray()).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['chat_conversations', 'chat_events', 'chat_members']));
      expect(names.filter((name) => !name.startsWith('chat_'))).toEqual([]);
      expect(await db.command({ ping: 1 })).toMatchObject({ ok: 1 });
    });
  });
}
