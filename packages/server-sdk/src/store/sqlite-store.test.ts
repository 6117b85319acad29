import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreConformance } from '../testing/conformance.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreConformance('sqlite (synchronous FULL)', async () => ({
  store: createSqliteStore({ filename: join(dir, `full-${++n}.sqlite`) }),
}));

runStoreConformance('sqlite (synchronous NORMAL)', async () => ({
  store: createSqliteStore({ filename: join(dir, `normal-${++n}.sqlite`) }, { synchronous: 'NORMAL' }),
}));

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
