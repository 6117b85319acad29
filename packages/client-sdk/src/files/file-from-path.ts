import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FileDescription } from './file-input.js';
import { guessMimeType } from './mime-types.js';

/**
 * Reads a file from disk for `send()`: its bytes, its name (the last part of the path, unless
 * `name` is given) and its type (`type`, else guessed from the extension for common types, else
 * `application/octet-stream`). The bytes are read now; the client keeps its own copy until the
 * message is stored.
 *
 * @example
 * import { fileFromPath } from '@parley/client-sdk/node';
 * await chat.send(id, { text: 'nightly report', attachments: [await fileFromPath('./out/report.pdf')] });
 */
export async function fileFromPath(path: string, options: { type?: string; name?: string } = {}): Promise<FileDescription> {
  const data = await readFile(path);
  const name = options.name ?? basename(path);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), name, type: options.type ?? guessMimeType(name) };
}
