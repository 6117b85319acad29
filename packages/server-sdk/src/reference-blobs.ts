import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDiskBlobStore } from './blobs/disk-blob-store.js';
import type { BlobStore } from './blobs/types.js';

/** Where the reference server's files live: on its disk (default) or nowhere (`off`). */
export type ReferenceFiles = 'disk' | 'off';

/** The path the reference server serves the disk store's signed URLs under. */
export const BLOB_PATH = '/blobs';

/**
 * The reference server's blob store: files under `<dataDir>/files`, served at `/blobs` with
 * URLs signed by `secret`, or by a secret kept in `<dataDir>/blob-secret` (made once, so URLs and
 * uploads survive a restart). Every node serving one directory needs the same secret
 * (`PARLEY_BLOB_SECRET`); a cluster on several machines wants S3 instead (docs/media.md).
 */
export function openReferenceBlobs(dataDir: string, secret: string | undefined, allowedOrigins: readonly string[] | '*' = []): {
  blobs: BlobStore;
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
} {
  mkdirSync(dataDir, { recursive: true });
  // The browser origins allowed to connect may PUT and GET files too (CORS).
  const store = createDiskBlobStore({ dir: join(dataDir, 'files'), secret: secret ?? keptSecret(dataDir), publicUrl: BLOB_PATH, allowedOrigins });
  return { blobs: store, handle: (req, res) => store.handle(req, res) };
}

function keptSecret(dataDir: string): string {
  const file = join(dataDir, 'blob-secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  } catch {
    // Not made yet.
  }
  const made = randomBytes(32).toString('hex');
  writeFileSync(file, `${made}\n`, { mode: 0o600 });
  return made;
}
