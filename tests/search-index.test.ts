import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createMemorySearchIndex } from '@parley/server-sdk';
import { createSqliteSearchIndex, migrateSqlite } from '@parley/server-sdk/sqlite';
import { createMongoSearchIndex } from '@parley/server-sdk/mongodb';
import { runSearchIndexConformance } from '@parley/server-sdk/testing';
import { freshDatabases, mongoTestUri } from './helpers/mongo-env.js';

// The search index conformance suite on every index Parley ships: memory (a scan), SQLite (FTS5;
// also with a relevance window smaller than the checks' result sets, so that ranked pages hand
// over to newest-first ones) and MongoDB (a token index; FerretDB here, a real MongoDB when
// MONGODB_URI is set).

runSearchIndexConformance('memory', async () => ({ index: createMemorySearchIndex() }));

function sqlite(options: Parameters<typeof createSqliteSearchIndex>[1] = {}) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-search-'));
    const db = new BetterSqlite3(join(dir, 'parley.sqlite'));
    db.pragma('journal_mode = WAL');
    migrateSqlite(db);
    return {
      index: createSqliteSearchIndex(db, options),
      cleanup: async () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}
runSearchIndexConformance('sqlite', sqlite());
runSearchIndexConformance('sqlite, relevance over the newest 5 hits', sqlite({ relevanceWindow: 5 }));

const uri = mongoTestUri('mongodb search index');
if (uri) {
  const freshDb = freshDatabases(uri, 'search');
  runSearchIndexConformance('mongodb', async () => ({ index: createMongoSearchIndex(await freshDb()) }), { timeoutMs: 120_000 });
  runSearchIndexConformance('mongodb, relevance over the newest 5 hits', async () => ({ index: createMongoSearchIndex(await freshDb(), { relevanceWindow: 5 }) }), {
    timeoutMs: 120_000,
  });
}
