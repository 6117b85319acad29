/**
 * `@parley/server-sdk/mongodb`: the production store on the official `mongodb` driver (an
 * optional peer dependency; this module imports only its types, you pass your own `Db`).
 *
 * @example
 * import { createMongoStore } from '@parley/server-sdk/mongodb';
 *
 * const store = createMongoStore({ db: client.db('chat') });
 * await store.ensureIndexes();
 */
export { createMongoStore, type MongoChatStore, type MongoStoreOptions } from './store/mongo-store.js';
export { createMongoSearchIndex, type MongoSearchIndexOptions } from './store/mongo-search.js';
