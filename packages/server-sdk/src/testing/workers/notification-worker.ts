/**
 * One "server node" claiming notifications in a multi-process store test, run by `runWorkers`:
 * opens the store named by its environment, waits for the start signal, then claims rows due at
 * PARLEY_WORKER_NOW, PARLEY_WORKER_COUNT at a time, until none is left, and reports what it got.
 *
 *   PARLEY_WORKER_STORE   sqlite | mongodb
 *   PARLEY_WORKER_TARGET  the SQLite file, or the MongoDB URI
 *   PARLEY_WORKER_DB      the MongoDB database name
 */
import type { ChatStore } from '../../store/types.js';
import { awaitStartSignal, reportWorkerResult } from '../workers.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`notification-worker: ${name} is not set`);
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
const count = Number(env('PARLEY_WORKER_COUNT'));
const now = Number(env('PARLEY_WORKER_NOW'));
await awaitStartSignal();
const claimed: Array<{ id: string; attempts: number; claimToken: string | null; lastSeq: number }> = [];
for (;;) {
  const batch = await store.claimDueNotifications(now, count, 60_000);
  if (batch.length === 0) break;
  claimed.push(...batch.map(({ id, attempts, claimToken, lastSeq }) => ({ id, attempts, claimToken, lastSeq })));
}
reportWorkerResult(claimed);
await store.close();
await release();
