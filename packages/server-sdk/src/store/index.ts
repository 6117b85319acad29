export type * from './types.js';
export { createMemoryStore } from './memory-store.js';
export { DEFAULT_USER_SETTINGS } from './types.js';
export { StoreVersionError } from './schema-compat.js';
