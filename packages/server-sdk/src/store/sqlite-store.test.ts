import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
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
