/**
 * `@parley/server-sdk/sqlite`: the embedded, durable store (needs `better-sqlite3` 12, an optional
 * peer dependency).
 *
 * @example
 * import { createSqliteStore } from '@parley/server-sdk/sqlite';
 *
 * const store = createSqliteStore({ filename: './data/parley.sqlite' });
 */
export { createSqliteStore, type SqliteStoreOptions, type SqliteStoreTarget } from './store/sqlite-store.js';
export { migrateSqlite, SQLITE_SCHEMA_VERSION, type MigrationResult } from './store/sqlite-migrations.js';
export { createSqliteSearchIndex, type SqliteSearchIndexOptions } from './store/sqlite-search.js';
