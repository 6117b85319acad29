import { closeSync, fsyncSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An append-only journal of JSON records in one file: each `append` resolves once its records are
 * on disk (`fdatasync`), so a process killed right after loses none of them. Appends made while
 * one is being written share the next write and its sync (group commit). A crash can tear only
 * the last line; reading stops there.
 */
export interface Journal<R> {
  append(records: readonly R[]): Promise<void>;
  /**
   * Replaces the whole journal by what `snapshot` returns (atomic: written aside, synced,
   * renamed). It runs in the write chain, after every append made before this call: whatever it
   * leaves out was appended later, and is written after it.
   */
  compact(snapshot: () => Promise<readonly R[]>): Promise<void>;
  /** Records appended since the last compaction (or since opening). */
  readonly size: number;
  close(): Promise<void>;
}

/**
 * Reads every whole record of a journal file, and cuts off a torn last line (a crash mid-write)
 * so that the next append starts on a line of its own.
 */
export function readJournal<R>(file: string): R[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
  const records: R[] = [];
  let whole = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf('\n', start);
    if (end === -1) break;
    try {
      records.push(JSON.parse(text.slice(start, end)) as R);
    } catch {
      break;
    }
    whole = start = end + 1;
  }
  if (whole < text.length) truncateSync(file, Buffer.byteLength(text.slice(0, whole)));
  return records;
}

export async function openJournal<R>(file: string, existing: number): Promise<Journal<R>> {
  let handle: FileHandle = await open(file, 'a');
  let size = existing;
  let pending: { lines: string; waiters: Array<{ resolve(): void; reject(err: unknown): void }> } | null = null;
  let writing: Promise<void> = Promise.resolve();

  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = null;
    if (!batch) return;
    try {
      await handle.appendFile(batch.lines);
      await handle.datasync();
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (err) {
      for (const waiter of batch.waiters) waiter.reject(err);
    }
  };

  return {
    append(records) {
      size += records.length;
      return new Promise<void>((resolve, reject) => {
        const lines = records.map((r) => `${JSON.stringify(r)}\n`).join('');
        if (pending) {
          pending.lines += lines;
          pending.waiters.push({ resolve, reject });
          return;
        }
        pending = { lines, waiters: [{ resolve, reject }] };
        writing = writing.then(flush);
      });
    },
    compact(snapshot) {
      const done = writing.then(async () => {
        const records = await snapshot();
        const lines = records.map((r) => `${JSON.stringify(r)}\n`).join('');
        const aside = `${file}.compact`;
        const fd = openSync(aside, 'w');
        try {
          writeSync(fd, lines);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        await handle.close();
        renameSync(aside, file);
        syncDirectory(dirname(file));
        handle = await open(file, 'a');
        size = records.length;
      });
      writing = done.catch(() => undefined);
      return done;
    },
    get size() {
      return size;
    },
    async close() {
      await writing;
      await handle.close();
    },
  };
}

/** Makes a rename durable: the directory entry itself is synced (a no-op where not supported). */
export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot open or sync a directory; the rename is still atomic there.
  }
}
