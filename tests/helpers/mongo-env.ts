import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';

const HOW_TO =
  'set MONGODB_URI (a real MongoDB) or PARLEY_TEST_MONGODB_URI (FerretDB: eval "$(.ci/services/ferretdb.sh start)")';

/**
 * The MongoDB-wire server tests run against: `MONGODB_URI` (a real MongoDB) wins over
 * `PARLEY_TEST_MONGODB_URI` (FerretDB, started by .ci/services/ferretdb.sh). Without either,
 * CI must not pass by skipping: there it registers a failing test that says what is missing;
 * locally it prints why the MongoDB tests are skipped. Returns null in both cases.
 *
 * @example
 * const uri = mongoTestUri('mongo store');
 * if (uri) describe('mongo store', () => { ... });
 */
export function mongoTestUri(suite: string): string | null {
  const uri = process.env.MONGODB_URI || process.env.PARLEY_TEST_MONGODB_URI;
  if (uri) return uri;
  if (process.env.CI === 'true') {
    describe(suite, () => {
      it('needs a MongoDB-wire server', () => {
        throw new Error(`${suite}: no MongoDB-wire server in CI: ${HOW_TO}`);
      });
    });
  } else {
    console.warn(`[parley] skipping "${suite}": no MongoDB-wire server; ${HOW_TO}`);
    describe.skip(suite, () => {
      it('needs a MongoDB-wire server', () => {});
    });
  }
  return null;
}

/** A database name no other test (or earlier run) uses: FerretDB allows [A-Za-z0-9_-], ≤ 63 chars. */
export function freshDatabaseName(tag: string): string {
  return `parley_t_${tag}_${randomBytes(5).toString('hex')}`;
}

/**
 * Fresh databases on the test server at `uri`, each dropped after its test, the client closed
 * after the file (registers vitest hooks: call it inside the file's `if (uri)` block).
 *
 * @example
 * const freshDb = freshDatabases(uri, 'p5');
 * const db = await freshDb();
 */
export function freshDatabases(uri: string, tag: string): () => Promise<Db> {
  let client: MongoClient | undefined;
  const dbs: Db[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.dropDatabase();
  });
  afterAll(() => client?.close());
  return async () => {
    client ??= await MongoClient.connect(uri);
    const db = client.db(freshDatabaseName(tag));
    dbs.push(db);
    return db;
  };
}
