/**
 * @parley/client-sdk/node: durable storage for clients that run in Node (bots, services,
 * scripts): the outbox (files included) survives a crash of the process like a browser tab's
 * survives a reload; and `fileFromPath` to send a file from disk.
 *
 * @example
 * import { createChatClient } from '@parley/client-sdk';
 * import { createFileStorage } from '@parley/client-sdk/node';
 *
 * const storage = createFileStorage({ dir: './.parley-bot' });
 * const chat = createChatClient({ url, getToken, storage });
 * await chat.send(conversationId, { attachments: [await fileFromPath('./report.pdf')] });
 */
export { createFileStorage, type FileStorage, type FileStorageOptions } from './storage/file-storage.js';
export { fileFromPath } from './files/file-from-path.js';
