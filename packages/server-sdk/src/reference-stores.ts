import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatStore } from './store/types.js';
import type { Logger } from './logger.js';

type Opened = { store: ChatStore; closeStore: () => Promise<void> };

/** The reference server's default: one SQLite file under `dataDir`, created on first run. */
export async function openSqliteStore(dataDir: string, logger: Logger): Promise<Opened> {
  mkdirSync(dataDir, { recursive: true });
  const { createSqliteStore } = await import('./store/sqlite-store.js');
  const filename = join(dataDir, 'parley.sqlite');
  const store = createSqliteStore({ filename }, { logger });
  logger.info('store: sqlite', { filename });
  return { store, closeStore: () => store.close() };
}

/** MongoDB at `uri`: the reference server owns this client, so it closes it too. */
export async function openMongoStore(uri: string, logger: Logger): Promise<Opened> {
  const { MongoClient } = await import('mongodb');
  const { createMongoStore } = await import('./store/mongo-store.js');
  const client = new MongoClient(uri);
  await client.connect();
  const store = createMongoStore({ db: client.db(), logger });
  await store.ensureIndexes();
  logger.info('store: mongodb', { db: client.db().databaseName });
  return {
    store,
    closeStore: async () => {
      await store.close();
      await client.close();
    },
  };
}
