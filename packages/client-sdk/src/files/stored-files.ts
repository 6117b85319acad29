import { ParleyError } from '@parley/protocol';
import type { ClientFileStore, OutboxAttachment } from '../storage/client-storage.js';
import type { PreparedFile } from './file-input.js';

/**
 * Keeps the bytes of a message's files on this device, each under a new local id, before the
 * message enters the outbox (an entry never names bytes that are not stored). If one cannot be
 * stored (a full disk, a storage quota), those stored already are deleted and `send()` fails.
 */
export async function storeFiles(files: ClientFileStore, prepared: readonly PreparedFile[], newId: () => string): Promise<OutboxAttachment[]> {
  const stored: OutboxAttachment[] = [];
  try {
    for (const { blob, spec } of prepared) {
      const localId = newId();
      await files.put(localId, blob);
      stored.push({ localId, ...spec });
    }
  } catch (err) {
    await dropFiles(files, stored);
    throw ParleyError.from(err);
  }
  return stored;
}

/** Deletes the stored bytes of files that will not be sent after all. */
export async function dropFiles(files: ClientFileStore, attachments: readonly OutboxAttachment[]): Promise<void> {
  await Promise.all(attachments.map((a) => files.delete(a.localId).catch(() => undefined)));
}
