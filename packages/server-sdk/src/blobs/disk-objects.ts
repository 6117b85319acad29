import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStat } from './types.js';

/**
 * The disk store's files. Each object is one file, `objects/<2 hex>/<sha-256 of the key>`, that
 * starts with a one-line header (`PARLEYBLOB1 {"key","size","mimeType"}\n`) followed by the
 * bytes: the type travels with the bytes, so one `rename` publishes or replaces both at once and
 * no reader ever pairs new bytes with an old type. Uploads are written to `tmp/` on the same
 * file system, synced, then renamed into place: a crash mid-upload leaves only a temp file,
 * never a partial object.
 */
const MAGIC = 'PARLEYBLOB1 ';
const MAX_HEADER_BYTES = 4096;

export interface ObjectHeader {
  readonly key: string;
  readonly size: number;
  readonly mimeType: string;
}

/** An object opened for reading: its header, where the bytes start, and the open file. */
export interface OpenObject extends BlobStat {
  readonly file: FileHandle;
  readonly offset: number;
}

export function encodeHeader(header: ObjectHeader): Buffer {
  return Buffer.from(`${MAGIC}${JSON.stringify({ key: header.key, size: header.size, mimeType: header.mimeType })}\n`, 'utf8');
}

export class DiskObjects {
  readonly objects: string;
  readonly tmp: string;

  constructor(dir: string) {
    this.objects = join(dir, 'objects');
    this.tmp = join(dir, 'tmp');
  }

  pathOf(key: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join(this.objects, hash.slice(0, 2), hash);
  }

  /** A fresh temp file name (the caller creates it exclusively). */
  async tempPath(): Promise<string> {
    await mkdir(this.tmp, { recursive: true });
    return join(this.tmp, `${randomBytes(12).toString('hex')}.part`);
  }

  /** Moves a synced temp file into place as `key`'s object, replacing any previous one. */
  async publish(temp: string, key: string): Promise<void> {
    const target = this.pathOf(key);
    const shard = join(target, '..');
    await mkdir(shard, { recursive: true });
    await rename(temp, target);
    await syncDirectory(shard);
  }

  /** Opens `key`'s object, or null when there is none; the caller closes `file`. */
  async open(key: string): Promise<OpenObject | null> {
    let file: FileHandle;
    try {
      file = await open(this.pathOf(key), 'r');
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    try {
      const head = Buffer.alloc(MAX_HEADER_BYTES);
      const { bytesRead } = await file.read(head, 0, MAX_HEADER_BYTES, 0);
      const end = head.subarray(0, bytesRead).indexOf(0x0a);
      const line = end < 0 ? '' : head.subarray(0, end).toString('utf8');
      const header = parseHeader(line);
      const { size: fileSize } = await file.stat();
      // Not ours, another key's (a hash collision), or cut short: as good as missing.
      if (!header || header.key !== key || fileSize !== end + 1 + header.size) {
        await file.close();
        return null;
      }
      return { file, offset: end + 1, size: header.size, mimeType: header.mimeType };
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  async stat(key: string): Promise<BlobStat | null> {
    const found = await this.open(key);
    if (!found) return null;
    await found.file.close();
    return { size: found.size, mimeType: found.mimeType };
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /**
   * Removes temp files older than `olderThanMs` (uploads cut by a crash). Younger ones may be
   * another process's upload under way on the same directory.
   */
  async sweepTemp(now: number, olderThanMs: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.tmp);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.tmp, name);
      try {
        if (now - (await stat(path)).mtimeMs > olderThanMs) await rm(path, { force: true });
      } catch {
        // gone already, or not ours to remove: the next sweep tries again
      }
    }
  }
}

function parseHeader(line: string): ObjectHeader | null {
  if (!line.startsWith(MAGIC)) return null;
  try {
    const header = JSON.parse(line.slice(MAGIC.length)) as Partial<ObjectHeader> | null;
    if (typeof header?.key !== 'string' || typeof header.mimeType !== 'string' || !Number.isSafeInteger(header.size)) return null;
    return header as ObjectHeader;
  } catch {
    return null;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Makes a rename durable (the directory entry itself); a no-op where directories can't be opened. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open a directory: NTFS's rename is durable enough there.
  } finally {
    await handle?.close();
  }
}
