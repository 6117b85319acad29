import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0, range } from '../testing/fixtures.js';
import { newDelivery } from '../testing/conformance-webhooks.js';
import { runWorkers } from '../testing/workers.js';
import { createSqliteStore } from './sqlite-store.js';
import { DUE_DELIVERIES_SQL } from './sqlite-webhooks.js';

const worker = fileURLToPath(new URL('../testing/workers/store-worker.ts', import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-webhooks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite store: the webhook delivery queue', () => {
  it('gives each delivery to exactly one of several processes claiming from one file at once', { timeout: 120_000 }, async () => {
    const filename = join(dir, 'queue.sqlite');
    const setup = createSqliteStore({ filename });
    const all = range(1, 300).map((i) => newDelivery(`ep${i % 4}`, `e${i}`, T0 + (i % 11)));
    await setup.enqueueDeliveries(all, T0);
    await setup.close();
    const base = { PARLEY_WORKER_STORE: 'sqlite', PARLEY_WORKER_TARGET: filename, PARLEY_WORKER_OP: 'claim', PARLEY_WORKER_COUNT: '7', PARLEY_WORKER_NOW: String(T0 + 20) };
    const runs = await runWorkers(worker, ['p1', 'p2', 'p3'].map((id) => ({ ...base, PARLEY_WORKER_ID: id })));
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([[0, ''], [0, ''], [0, '']]);
    const claimed = runs.flatMap((r) => r.result as Array<{ id: string; attempts: number }>);
    expect(claimed.map((d) => d.id).sort()).toEqual(all.map((d) => d.id).sort());
    expect(claimed.every((d) => d.attempts === 1)).toBe(true);
    const store = createSqliteStore({ filename });
    expect(await store.claimDeliveries(T0 + 20, 10, 60_000)).toEqual([]);
    await store.close();
  });

  it('reads the due deliveries from the partial index, not the table', () => {
    const db = new BetterSqlite3(join(dir, 'plan.sqlite'));
    createSqliteStore({ database: db });
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${DUE_DELIVERIES_SQL}`).all({ now: 5, limit: 10 }) as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('\n')).toContain('USING INDEX parley_webhook_deliveries_due');
    expect(plan.map((row) => row.detail).join('\n')).not.toContain('TEMP B-TREE');
    db.close();
  });
});
