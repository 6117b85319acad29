import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { ChatStore } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { freshDatabaseName } from '../../helpers/mongo-env.js';
import { FerretdbProcess, findFerretdb } from './ferretdb-process.js';

/** Where a chaos server keeps its data, and how the oracle reads it afterwards. */
export interface ChaosDatabase {
  readonly kind: 'sqlite' | 'mongodb';
  /** What the chaos server process needs to open the same store. */
  readonly env: Record<string, string>;
  /** Our own FerretDB, to SIGKILL and restart; null on SQLite or on a MongoDB we do not own. */
  readonly ferret: FerretdbProcess | null;
  /** The store the oracle reads once the server stopped. */
  openStore(): Promise<ChatStore>;
  close(): Promise<void>;
}

const EXTERNAL_URI = () => process.env.MONGODB_URI || process.env.PARLEY_TEST_MONGODB_URI;

/** Why a MongoDB chaos run cannot happen here, or null when it can. */
export function mongoUnavailable(): string | null {
  if (findFerretdb() || EXTERNAL_URI()) return null;
  return 'no MongoDB-wire server: no FerretDB binary (.ci/services/ferretdb.sh builds one into ~/.cache/parley) and no PARLEY_TEST_MONGODB_URI';
}

export async function openDatabase(kind: ChaosDatabase['kind'], dataDir: string): Promise<ChaosDatabase> {
  if (kind === 'sqlite') {
    let store: ChatStore | undefined;
    return {
      kind, env: {}, ferret: null,
      openStore: async () => (store = createSqliteStore({ filename: join(dataDir, 'chaos.sqlite') })),
      close: async () => store?.close(),
    };
  }
  // A private FerretDB first: only a database we started may be killed.
  const binary = findFerretdb();
  const ferret = binary ? await FerretdbProcess.start(binary, join(dataDir, 'ferretdb')) : null;
  const uri = ferret?.uri ?? EXTERNAL_URI();
  if (!uri) throw new Error(mongoUnavailable() ?? 'no MongoDB-wire server');
  const name = freshDatabaseName('chaos');
  let client: MongoClient | undefined;
  return {
    kind,
    env: { CHAOS_MONGODB_URI: uri, CHAOS_MONGODB_DB: name },
    ferret,
    async openStore() {
      client = await MongoClient.connect(uri);
      return createMongoStore({ db: client.db(name) });
    },
    async close() {
      if (!ferret) await client?.db(name).dropDatabase().catch(() => undefined);
      await client?.close();
      await ferret?.stop();
    },
  };
}
