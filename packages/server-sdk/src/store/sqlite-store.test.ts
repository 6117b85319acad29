import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteForeignWriter } from '../../test/support/foreign-events.js';
import { runStoreConformance } from '../testing/conformance.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store on its own file, with a second connection to it that writes as a newer release would. */
function storeOnFile(filename: string, options: SqliteStoreOptions = {}) {
  const store = createSqliteStore({ filename }, options);
  const newerNode = new BetterSqlite3(filename);
  newerNode.pragma('busy_timeout = 5000');
  return { store, writeForeignEvent: sqliteForeignWriter(newerNode), cleanup: async () => void newerNode.close() };
}

runStoreConformance('sqlite (synchronous FULL)', async () => storeOnFile(join(dir, `full-${++n}.sqlite`)));

runStoreConformance('sqlite (synchronous NORMAL)', async () =>
  storeOnFile(join(dir, `normal-${++n}.sqlite`), { synchronous: 'NORMAL' }),
);


describe('opening a file', () => {
  it('creates the missing data directory, as a new project has none', async () => {
    const filename = join(dir, 'new-project', 'data', 'parley.sqlite');
    const store = createSqliteStore({ filename });
    await store.createConversation({
      id: 'g1', kind: 'group', title: null, createdBy: 'alice', members: ['alice'], directKey: null, ts: 1,
    });
    await store.close();
    expect(existsSync(filename)).toBe(true);
  });
});
