import { afterEach, beforeEach, describe, it } from 'vitest';
import type { SearchIndex } from '../search/types.js';
import { searchMatchingChecks } from './search-checks-matching.js';
import { searchPageChecks } from './search-checks-pages.js';
import { searchVersionChecks } from './search-checks-versions.js';
import type { SearchCheck } from './search-fixtures.js';

/** What `runSearchIndexConformance` needs to open one empty index per test. */
export type OpenSearchIndex = () => Promise<{
  index: SearchIndex;
  /** Runs after the test: close the database, drop the test collection, remove the file. */
  cleanup?: () => Promise<void>;
}>;

/** Every check of the search index conformance suite, in the order it registers them. */
export const searchIndexChecks: readonly SearchCheck[] = [...searchMatchingChecks, ...searchVersionChecks, ...searchPageChecks];

/**
 * Registers Parley's search index conformance suite (vitest) for one `SearchIndex`, like
 * `runStoreConformance` does for chat stores. Each test opens an empty index with `open` and
 * checks one promise of the contract: matching by the one rule of `@parley/protocol` (a word finds
 * the words it starts, phrases and runs of scripts without spaces match whole and in order, every
 * term must match), the filters (sender, before/after) and the conversations named, versions (an
 * edit's new text replaces the old, a removal stays, late older updates change nothing), indexed
 * seqs, pages in both orders without repeats or skips, relevance, cursors, large, repeated and
 * concurrent overlapping batches, and stats. A dedicated engine plugged in as the server's index
 * should pass it too.
 *
 * @example
 * import { runSearchIndexConformance } from '@parley/server-sdk/testing';
 * import { createMemorySearchIndex } from '@parley/server-sdk';
 *
 * runSearchIndexConformance('memory', async () => ({ index: createMemorySearchIndex() }));
 */
export function runSearchIndexConformance(name: string, open: OpenSearchIndex, options: { timeoutMs?: number } = {}): void {
  let current: Awaited<ReturnType<OpenSearchIndex>> | undefined;
  const ctx = {
    get index(): SearchIndex {
      if (!current) throw new Error('no index: the conformance suite opens one before each test');
      return current.index;
    },
  };

  describe(`${name}: SearchIndex conformance`, { timeout: options.timeoutMs ?? 60_000 }, () => {
    beforeEach(async () => {
      current = await open();
    });
    afterEach(async () => {
      const done = current;
      current = undefined;
      await done?.cleanup?.();
    });

    describe('matching and filters', () => {
      for (const check of searchMatchingChecks) it(check.name, () => check.run(ctx));
    });
    describe('edits, deletes, indexed seqs and concurrent batches', () => {
      for (const check of searchVersionChecks) it(check.name, () => check.run(ctx));
    });
    describe('orders, pages, batches and stats', () => {
      for (const check of searchPageChecks) it(check.name, () => check.run(ctx));
    });
  });
}
