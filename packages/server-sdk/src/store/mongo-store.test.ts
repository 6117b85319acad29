import { MongoClient } from 'mongodb';
import { afterAll } from 'vitest';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { mongoForeignWriter } from '../../test/support/foreign-events.js';
import { runStoreConformance } from '../testing/conformance.js';
import { createMongoStore } from './mongo-store.js';

const uri = mongoTestUri('mongo store: ChatStore conformance');
if (uri) {
  let client: MongoClient | undefined;
  afterAll(() => client?.close());

  runStoreConformance(
    'mongo store',
    async () => {
      client ??= await MongoClient.connect(uri);
      const db = client.db(freshDatabaseName('conf'));
      return {
        store: createMongoStore({ db }),
        writeForeignEvent: mongoForeignWriter(db),
        cleanup: async () => void (await db.dropDatabase()),
      };
    },
    { timeoutMs: 60_000 },
  );
}
