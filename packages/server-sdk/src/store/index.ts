export type * from './types.js';
export { createMemoryStore } from './memory-store.js';
export { directKeyOf, nextEventId, createdEventInput, toLogEvent, upperBound, SYSTEM_CREATED_ID } from './store-helpers.js';
export { DEFAULT_USER_SETTINGS } from './types.js';
