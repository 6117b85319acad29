import { MongoClient } from 'mongodb';
import { afterAll, it } from 'vitest';
import { freshDatabaseName, mongoTestUri } from '../../../../tests/helpers/mongo-env.js';
import { mongoForeignWriter } from '../../test/support/foreign-events.js';
import { runStoreConformance } from '../testing/conformance.js';
import { editedThenDeletedCheck } from '../testing/conformance-reactions.js';
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

  it(editedThenDeletedCheck.name, { timeout: 60_000 }, async () => {
    client ??= await MongoClient.connect(uri);
    const db = client.db(freshDatabaseName('conf'));
    const store = createMongoStore({ db });
    await editedThenDeletedCheck.run(store);
    await store.close();
    await db.dropDatabase();
  });
}
