import type { ClientFileStore } from '../storage/client-storage.js';

/**
 * Bytes as a Blob of `type`: a Blob is taken as it is (re-typed if needed), bytes are copied, so
 * the app may reuse its buffer once `send()` resolved.
 */
export function toBlob(data: Blob | Uint8Array | ArrayBuffer, type = ''): Blob {
  if (data instanceof Blob) return data.type === type || type === '' ? data : data.slice(0, data.size, type);
  const bytes = data instanceof Uint8Array ? new Uint8Array(data) : new Uint8Array(data.slice(0));
  return new Blob([bytes], { type });
}

/**
 * File bytes kept in memory: what `createMemoryStorage()` has, and what the client falls back to
 * when its storage keeps no files (they last as long as the client).
 *
 * @example
 * const files = createMemoryFiles();
 * await files.put('f1', new Uint8Array([1, 2, 3]));
 */
export function createMemoryFiles(): ClientFileStore & { clear(): void } {
  const blobs = new Map<string, Blob>();
  return {
    put: async (localId, data) => void blobs.set(localId, toBlob(data)),
    get: async (localId) => blobs.get(localId),
    delete: async (localId) => void blobs.delete(localId),
    clear: () => blobs.clear(),
  };
}
