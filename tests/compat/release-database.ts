import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult } from '@parley/server-sdk';
import { releaseFile, type ReleaseName } from './releases.js';

/**
 * Copies of a release's SQLite fixture (`parley.sqlite`, written by that release's own code),
 * each in a fresh directory removed after every test. Call at the top of a test file, like
 * `testScope()`; `copy(release)` gives the copy's path.
 */
export function releaseDatabases(): { copy(release: ReleaseName): string } {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    copy(release) {
      const dir = mkdtempSync(join(tmpdir(), `parley-${release}-db-`));
      dirs.push(dir);
      copyFileSync(releaseFile(release, 'parley.sqlite'), join(dir, 'parley.sqlite'));
      return join(dir, 'parley.sqlite');
    },
  };
}

/** The schema row of a SQLite file (from schema 4 on, which has `readable_from`). */
export function schemaOf(filename: string): { version: number; readable_from: number | null } {
  const db = new BetterSqlite3(filename, { readonly: true });
  const row = db.prepare('SELECT version, readable_from FROM parley_schema WHERE id = 1').get() as { version: number; readable_from: number | null };
  db.close();
  return row;
}

/** What every compat test uses of a release's store (its bundle has no types); a test adds what else it calls. */
export interface ReleaseLogStore {
  append(input: AppendInput): Promise<AppendResult>;
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LogEvent[]>;
  close(): Promise<void>;
}

/** A release's `server-sqlite.mjs`: its schema version and its SQLite store. */
export interface ReleaseSqlite<S extends ReleaseLogStore = ReleaseLogStore> {
  SQLITE_SCHEMA_VERSION: number;
  createSqliteStore(target: { filename: string }, options?: { logger?: { warn(message: string): void } }): S;
}

/** Loads a release's SQLite store module (tests/fixtures/releases/<release>/server-sqlite.mjs). */
export async function loadReleaseSqlite<S extends ReleaseLogStore = ReleaseLogStore>(release: ReleaseName): Promise<ReleaseSqlite<S>> {
  return (await import(pathToFileURL(releaseFile(release, 'server-sqlite.mjs')).href)) as ReleaseSqlite<S>;
}
