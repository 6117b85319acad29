/**
 * @parley/client-sdk/node: durable storage for clients that run in Node (bots, services,
 * scripts): the outbox survives a crash of the process like a browser tab's survives a reload.
 *
 * @example
 * import { createChatClient } from '@parley/client-sdk';
 * import { createFileStorage } from '@parley/client-sdk/node';
 *
 * const storage = createFileStorage({ dir: './.parley-bot' });
 * const chat = createChatClient({ url, getToken, storage });
 */
export { createFileStorage, type FileStorage, type FileStorageOptions } from './storage/file-storage.js';
