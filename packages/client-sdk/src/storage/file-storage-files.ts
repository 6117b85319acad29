import { mkdirSync, rmSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, ParleyError } from '@parley/protocol';
import type { ClientFileStore } from './client-storage.js';
import { syncDirectory } from './file-journal.js';

/** A local id names a file in the directory: nothing that could step out of it. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

function pathOf(dir: string, localId: string): string {
  if (!SAFE_ID.test(localId)) throw new ParleyError(ErrorCode.BAD_FRAME, `not a local file id: ${JSON.stringify(localId)}`);
  return join(dir, localId);
}

/**
 * The file storage's bytes of files to upload: one file per `localId` in `dir`, written aside,
 * synced and renamed into place (then the directory synced) before `put` resolves, like the
 * journal's lines: a crash leaves either the whole file or none.
 */
export function createDirectoryFiles(dir: string): ClientFileStore & { clear(): void } {
  mkdirSync(dir, { recursive: true });
  return {
    async put(localId, data) {
      const path = pathOf(dir, localId);
      const aside = `${path}.part`;
      const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : data;
      const handle = await open(aside, 'w', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(aside, path);
      syncDirectory(dir);
    },
    async get(localId) {
      try {
        return new Blob([await readFile(pathOf(dir, localId))]);
      } catch (err) {
        if ((err as { code?: string }).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async delete(localId) {
      await rm(pathOf(dir, localId), { force: true });
    },
    clear() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
