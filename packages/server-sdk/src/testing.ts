/**
 * `@parley/server-sdk/testing`: the storage, search index, blob store and presence-backend conformance suites
 * and the helpers they are built from, for adapter authors. Needs vitest (an optional peer
 * dependency).
 *
 * @example
 * import { runStoreConformance } from '@parley/server-sdk/testing';
 * import { createMemoryStore } from '@parley/server-sdk';
 *
 * runStoreConformance('memory', async () => ({ store: createMemoryStore() }));
 */
export { runStoreConformance } from './testing/conformance.js';
export { runSearchIndexConformance, searchIndexChecks, type OpenSearchIndex } from './testing/search-conformance.js';
export type { SearchCheck, SearchCheckContext } from './testing/search-fixtures.js';
export { runPresenceBackendConformance, type MakePresenceBackend } from './testing/presence-conformance.js';
export { runBlobStoreConformance, type BlobConformanceOptions, type OpenBlobStore } from './testing/blob-store-conformance.js';
export {
  appendBurst,
  createDirect,
  createGroup,
  logProblems,
  readWholeLog,
  reportWatermarks,
  sendText,
  type ConformanceOptions,
  type ForeignEventInput,
  type MakeStore,
  type WriteForeignEvent,
} from './testing/fixtures.js';
export {
  awaitStartSignal,
  reportWorkerResult,
  runWorkers,
  type RunWorkersOptions,
  type WorkerResult,
} from './testing/workers.js';
