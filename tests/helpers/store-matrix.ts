import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MongoClient } from 'mongodb';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { freshDatabaseName, mongoTestUri } from './mongo-env.js';
import { nextId } from './wire-client.js';

/** A named way to make a fresh store, for `describe.each`. */
export type StoreMaker = readonly [name: string, make: () => Promise<ChatStore>];

/**
 * The built-in stores a wire test runs against: memory, SQLite (a file in a temp dir) and, when a
 * MongoDB-wire server is configured (`mongo-env.ts`), MongoDB on a fresh database each time.
 * Everything made here is removed after the file's tests.
 *
 * @example
 * describe.each(storeMatrix('message content'))('message content (%s store)', (_name, makeStore) => { ... });
 */
export function storeMatrix(suite: string): StoreMaker[] {
  const dir = mkdtempSync(join(tmpdir(), 'parley-matrix-'));
  const makers: StoreMaker[] = [
    ['memory', async () => createMemoryStore()],
    ['SQLite', async () => createSqliteStore({ filename: join(dir, `${nextId('db')}.sqlite`) })],
  ];
  const uri = mongoTestUri(`${suite} (MongoDB store)`);
  let client: MongoClient | undefined;
  const databases: string[] = [];
  if (uri) {
    makers.push([
      'MongoDB',
      async () => {
        client ??= await MongoClient.connect(uri);
        const name = freshDatabaseName('wire');
        databases.push(name);
        const store = createMongoStore({ db: client.db(name) });
        await store.ensureIndexes();
        return store;
      },
    ]);
  }
  afterAll(async () => {
    for (const name of databases) await client?.db(name).dropDatabase().catch(() => {});
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return makers;
}
