/**
 * @parley/client-sdk/indexeddb: the browser storage for the Parley client. Importing it touches
 * no browser global; the database opens on first use.
 *
 * @example
 * import { createChatClient } from '@parley/client-sdk';
 * import { createIndexedDbStorage } from '@parley/client-sdk/indexeddb';
 * const chat = createChatClient({ url, getToken, storage: createIndexedDbStorage() });
 */
export {
  createIndexedDbStorage,
  type IndexedDbStorage,
  type IndexedDbStorageOptions,
} from './storage/indexeddb-storage.js';
export { SCHEMA_VERSION } from './storage/indexeddb-schema.js';
