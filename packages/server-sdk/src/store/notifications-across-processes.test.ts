import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { T0, range } from '../testing/fixtures.js';
import { notificationItem } from '../testing/conformance-notifications.js';
import { runWorkers } from '../testing/workers.js';
import type { ChatStore } from './types.js';
import { createSqliteStore } from './sqlite-store.js';
import { createMongoStore } from './mongo-store.js';

const worker = fileURLToPath(new URL('../testing/workers/notification-worker.ts', import.meta.url));
const USERS = range(1, 120).map((i) => `u${i}`);

/** Queues one row per user (three messages each, some due later), then three processes claim them all at once. */
async function claimAcrossProcesses(setup: ChatStore, env: Record<string, string>): Promise<void> {
  await setup.enqueueNotifications(
    USERS.flatMap((userId, i) => [2, 3, 4].map((seq) => notificationItem(userId, `g${i % 4}`, seq, 'alice', T0 + (i % 11)))),
    T0,
  );
  const base = { ...env, PARLEY_WORKER_COUNT: '5', PARLEY_WORKER_NOW: String(T0 + 20) };
  const runs = await runWorkers(worker, ['p1', 'p2', 'p3'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })), { timeoutMs: 110_000 });
  expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, ''], [0, '']]);
  const claimed = runs.flatMap((r) => r.result as Array<{ id: string; attempts: number; claimToken: string; lastSeq: number }>);
  expect(claimed.map((n) => n.id).sort()).toEqual((await setup.listNotifications({ limit: 1000 })).map((n) => n.id).sort());
  expect(claimed).toHaveLength(USERS.length);
  expect(claimed.every((n) => n.attempts === 1 && n.lastSeq === 4)).toBe(true);
  // Each holds the token the queue recorded: its completion is the one that counts.
  for (const n of claimed.slice(0, 10)) expect(await setup.completeNotification(n.id, n.claimToken, n.lastSeq)).toBe(true);
  expect(await setup.claimDueNotifications(T0 + 20, 10, 60_000)).toEqual([]);
  expect(await setup.listNotifications({ limit: 1000 })).toHaveLength(USERS.length - 10);
}

describe('the notification queue across processes: each row to exactly one of several claiming at once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-notify-procs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite: three processes on one file', { timeout: 120_000 }, async () => {
    const filename = join(dir, 'queue.sqlite');
    const setup = createSqliteStore({ filename });
    await claimAcrossProcesses(setup, { PARLEY_WORKER_STORE: 'sqlite', PARLEY_WORKER_TARGET: filename });
    await setup.close();
  });

  const uri = mongoTestUri('the notification queue across processes (MongoDB)');
  if (uri) {
    let client: MongoClient | undefined;
    const dbs: string[] = [];
    afterEach(async () => {
      for (const name of dbs.splice(0)) await client?.db(name).dropDatabase();
    });
    afterAll(() => client?.close());

    it('MongoDB: three processes on one database (claims won by unique inserts)', { timeout: 120_000 }, async () => {
      client ??= await MongoClient.connect(uri);
      const name = freshDatabaseName('notifyprocs');
      dbs.push(name);
      const setup = createMongoStore({ db: client.db(name) });
      await claimAcrossProcesses(setup, { PARLEY_WORKER_STORE: 'mongodb', PARLEY_WORKER_TARGET: uri, PARLEY_WORKER_DB: name });
    });
  }
});
