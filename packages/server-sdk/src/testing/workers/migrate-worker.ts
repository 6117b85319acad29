/**
 * One process of the "two processes open a new SQLite file at once" test, run by `runWorkers`:
 * it opens the file before the start signal (so both hold a connection) and migrates it after,
 * at the same moment as the other, then reports what `migrateSqlite` found and did.
 *
 *   PARLEY_WORKER_TARGET  the SQLite file
 */
import BetterSqlite3 from 'better-sqlite3';
import { migrateSqlite } from '../../store/sqlite-migrations.js';
import { awaitStartSignal, reportWorkerResult } from '../workers.js';

const filename = process.env.PARLEY_WORKER_TARGET;
if (!filename) throw new Error('migrate-worker: PARLEY_WORKER_TARGET is not set');
const db = new BetterSqlite3(filename);
// The store sets these before migrating: a process that finds the lock taken waits for it.
db.pragma('busy_timeout = 10000');
await awaitStartSignal();
reportWorkerResult(migrateSqlite(db));
db.close();
