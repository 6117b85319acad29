import { afterEach, beforeEach, describe, it } from 'vitest';
import type { BlobStore } from '../blobs/types.js';
import { blobInputChecks, blobRefusalChecks, blobTransferChecks } from './blob-checks.js';
import type { BlobCheckContext } from './blob-fixtures.js';

/** What `runBlobStoreConformance` needs to open one store per test. */
export type OpenBlobStore = () => Promise<{
  store: BlobStore;
  /** Runs after `store.close()`: stop the server, remove the directory or the test prefix. */
  cleanup?: () => Promise<void>;
}>;

export interface BlobConformanceOptions {
  /**
   * Whether the store's downloads carry `X-Content-Type-Options: nosniff` (default true). Only a
   * store that cannot set it says false (S3 without a CDN in front): Parley then relies on the
   * bucket's origin being apart from the app's.
   */
  nosniff?: boolean;
  /** Per-test timeout in ms, for storages behind a network. Default 30 000. */
  timeoutMs?: number;
}

/**
 * Registers Parley's blob store conformance suite (vitest) for one `BlobStore`, like
 * `runStoreConformance` does for chat stores. It speaks real HTTP (`fetch`) to the URLs the store
 * signs, so those must be absolute and reachable from the test: uploads and downloads round-trip
 * bytes, types and file names; a body of another size or type, an expired, moved, changed or
 * unsigned URL and the wrong method are refused with nothing stored; deletes, replacements and
 * bad keys behave. Every query parameter of a signed URL must be covered by its signature (each
 * is changed in turn and must be refused). Keys are random, so a shared bucket is fine.
 *
 * @example
 * import { runBlobStoreConformance } from '@parley/server-sdk/testing';
 * import { createS3BlobStore } from '@parley/server-sdk/s3';
 *
 * runBlobStoreConformance('s3', async () => ({
 *   store: createS3BlobStore({ client, bucket: 'test', keyPrefix: `run-${Date.now()}/` }),
 * }), { nosniff: false });
 */
export function runBlobStoreConformance(name: string, open: OpenBlobStore, options: BlobConformanceOptions = {}): void {
  let current: Awaited<ReturnType<OpenBlobStore>> | undefined;
  const ctx: BlobCheckContext = {
    get store() {
      if (!current) throw new Error('no store: the conformance suite opens one before each test');
      return current.store;
    },
    nosniff: options.nosniff ?? true,
  };

  describe(`${name}: BlobStore conformance`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    beforeEach(async () => {
      current = await open();
    });
    afterEach(async () => {
      const done = current;
      current = undefined;
      if (!done) return;
      await done.store.close?.();
      await done.cleanup?.();
    });

    describe('uploads and downloads', () => {
      for (const check of blobTransferChecks) it(check.name, () => check.run(ctx));
    });
    describe('refusals', () => {
      for (const check of blobRefusalChecks) it(check.name, () => check.run(ctx));
    });
    describe('bad input', () => {
      for (const check of blobInputChecks) it(check.name, () => check.run(ctx));
    });
  });
}
