import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createGroup } from '../testing/fixtures.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-sqlite-details-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite: a handover is all or none', () => {
  it('leaves both roles as they were when its second write fails, and lands whole once it can', async () => {
    const db = new BetterSqlite3(join(dir, 'handover.sqlite'));
    const store = createSqliteStore({ database: db });
    try {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      // A write that fails half-way (as a full disk or an I/O error would): the demotion aborts
      // after the new owner's row was already updated in the same transaction.
      db.exec(`CREATE TEMP TRIGGER fail_demotion BEFORE UPDATE OF role ON main.parley_members
        WHEN NEW.user_id = 'alice' AND NEW.role <> 'owner' BEGIN SELECT RAISE(ABORT, 'the disk is full'); END`);
      await expect(
        store.setRoles('g1', [{ userId: 'bob', role: 'owner' }, { userId: 'alice', role: 'admin' }]),
      ).rejects.toThrow('the disk is full');
      const roles = async () => Object.fromEntries((await store.listMembers('g1')).map((m) => [m.userId, m.role]));
      expect(await roles()).toEqual({ alice: 'owner', bob: 'member', carol: 'member' });

      db.exec('DROP TRIGGER temp.fail_demotion');
      await store.setRoles('g1', [{ userId: 'bob', role: 'owner' }, { userId: 'alice', role: 'admin' }]);
      expect(await roles()).toEqual({ alice: 'admin', bob: 'owner', carol: 'member' });
    } finally {
      await store.close();
      db.close();
    }
  });
});
