/**
 * One "server node" of a multi-process store test, run by `runWorkers`. It opens the store named
 * by its environment, waits for the start signal, runs its operation and reports the outcome.
 *
 *   PARLEY_WORKER_STORE   sqlite | mongodb
 *   PARLEY_WORKER_TARGET  the SQLite file, or the MongoDB URI
 *   PARLEY_WORKER_DB      the MongoDB database name
 *   PARLEY_WORKER_OP      append (COUNT messages into CONVERSATION) | direct (COUNT direct creates) |
 *                         lanes (COUNT each of messages, thread replies to and reactions on the
 *                         message ROOT_ID at ROOT_SEQ of CONVERSATION, all at once) |
 *                         reactions (COUNT reactions added and removed on ROOT_ID at ROOT_SEQ by
 *                         three users that every worker shares, on three keys, each sent twice
 *                         at once: the workers race on the same (message, key, user) registers) |
 *                         claim (webhook deliveries due at PARLEY_WORKER_NOW, COUNT per claim, until
 *                         none is left; reports what it claimed)
 *   PARLEY_WORKER_ID      this worker's name (its sender id for appends)
 */
import type { AppendInput, ChatStore } from '../../store/types.js';
import { appendBurst, createDirect, range } from '../fixtures.js';
import { awaitStartSignal, reportWorkerResult } from '../workers.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`store-worker: ${name} is not set`);
  return value;
};

async function openStore(): Promise<{ store: ChatStore; release: () => Promise<void> }> {
  if (env('PARLEY_WORKER_STORE') === 'sqlite') {
    const { createSqliteStore } = await import('../../store/sqlite-store.js');
    return { store: createSqliteStore({ filename: env('PARLEY_WORKER_TARGET') }), release: async () => {} };
  }
  const { MongoClient } = await import('mongodb');
  const { createMongoStore } = await import('../../store/mongo-store.js');
  const client = await MongoClient.connect(env('PARLEY_WORKER_TARGET'));
  return { store: createMongoStore({ db: client.db(env('PARLEY_WORKER_DB')) }), release: () => client.close() };
}

const { store, release } = await openStore();
const workerId = env('PARLEY_WORKER_ID');
const count = Number(env('PARLEY_WORKER_COUNT'));
await awaitStartSignal();

if (env('PARLEY_WORKER_OP') === 'append') {
  const results = await appendBurst(store, { conversationId: env('PARLEY_WORKER_CONVERSATION'), senderId: workerId, count });
  reportWorkerResult(results.map((r) => ({ seq: r.event.seq, id: r.event.id, duplicate: r.duplicate })));
} else if (env('PARLEY_WORKER_OP') === 'lanes') {
  const conversationId = env('PARLEY_WORKER_CONVERSATION');
  const root = { messageId: env('PARLEY_WORKER_ROOT_ID'), seq: Number(env('PARLEY_WORKER_ROOT_SEQ')) };
  const base = { conversationId, senderId: workerId, ts: Date.now() };
  const inputs: AppendInput[] = range(1, count).flatMap((i): AppendInput[] => [
    { ...base, clientMsgId: `${workerId}-m${i}`, kind: 'message', data: { text: `message ${i}` } },
    { ...base, clientMsgId: `${workerId}-t${i}`, kind: 'message', data: { text: `reply ${i}`, thread: root } },
    { ...base, clientMsgId: `${workerId}-r${i}`, kind: 'reaction.added', data: { messageId: root.messageId, messageSeq: root.seq, key: `k${i}` } },
  ]);
  const results = await Promise.all(inputs.map((input) => store.append(input)));
  reportWorkerResult(results.map((r) => ({ seq: r.event.seq, duplicate: r.duplicate })));
} else if (env('PARLEY_WORKER_OP') === 'reactions') {
  const root = { messageId: env('PARLEY_WORKER_ROOT_ID'), messageSeq: Number(env('PARLEY_WORKER_ROOT_SEQ')) };
  const inputs = range(1, count).map((i): AppendInput => ({
    conversationId: env('PARLEY_WORKER_CONVERSATION'),
    senderId: ['alice', 'bob', 'carol'][i % 3]!,
    clientMsgId: `${workerId}-r${i}`,
    ts: Date.now(),
    kind: i % 4 < 2 ? 'reaction.added' : 'reaction.removed',
    data: { ...root, key: `k${i % 5 % 3}` },
  }));
  const results = await Promise.all([...inputs, ...inputs].map((input) => store.append(input)));
  reportWorkerResult(results.map((r) => ({ seq: r.event.seq, duplicate: r.duplicate })));
} else if (env('PARLEY_WORKER_OP') === 'claim') {
  const claimed: Array<{ id: string; attempts: number; claimToken: string | null }> = [];
  for (;;) {
    const batch = await store.claimDeliveries(Number(env('PARLEY_WORKER_NOW')), count, 60_000);
    if (batch.length === 0) break;
    claimed.push(...batch.map(({ id, attempts, claimToken }) => ({ id, attempts, claimToken })));
  }
  reportWorkerResult(claimed);
} else {
  const results = await Promise.all(range(1, count).map((i) => createDirect(store, `${workerId}-d${i}`, 'alice', 'bob')));
  reportWorkerResult(results.map((r) => ({ id: r.conversation.id, created: r.created })));
}
await store.close();
await release();
