import { open, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, errorCodeName } from '@parley/protocol';
import { contentDisposition } from './blob-spec.js';
import { encodeHeader, type DiskObjects } from './disk-objects.js';
import type { SignedDownload, SignedUpload } from './disk-blob-urls.js';

/**
 * Headers on every answer of the disk store, errors included: the bytes are never sniffed into
 * another type, and even a document opened from here runs nothing and reaches nothing.
 */
export const BLOB_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'referrer-policy': 'no-referrer',
};

/**
 * A JSON error in the REST API's shape. A PUT refused before its body was read closes the
 * connection (`close`): otherwise Node reads and discards the whole body to keep it alive.
 */
export function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, name: errorCodeName(code), message } });
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
    ...BLOB_SECURITY_HEADERS,
  });
  res.end(body);
}

type Received = 'complete' | 'too-long' | 'too-short' | 'aborted';

/**
 * Writes the request body to `file`, one chunk at a time (the request is paused while a chunk is
 * written, so memory holds at most one chunk), and stops reading the moment it passes `size`.
 */
function receive(req: IncomingMessage, file: FileHandle, size: number): Promise<Received> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let settled = false;
    const settle = (outcome: Received | Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      req.pause();
      if (received > size) return settle('too-long');
      file.write(chunk).then(
        () => settled || req.resume(),
        (err: unknown) => settle(err instanceof Error ? err : new Error(String(err))),
      );
    };
    const onEnd = () => settle(received === size ? 'complete' : 'too-short');
    // `close` before `end` is a client that went away mid-body.
    const onAbort = () => settle('aborted');
    req.on('data', onData).once('end', onEnd).once('error', onAbort).once('close', onAbort);
  });
}

/** Stores a PUT whose signature, expiry and method the caller has checked. */
export async function receiveUpload(req: IncomingMessage, res: ServerResponse, objects: DiskObjects, signed: SignedUpload): Promise<void> {
  const type = req.headers['content-type'];
  if (type !== signed.mimeType) {
    refuse(res, 403, ErrorCode.FORBIDDEN, `Content-Type must be ${signed.mimeType}, as signed`, true);
    return;
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = /^\d{1,16}$/.test(declared) ? Number(declared) : NaN;
    if (!(length <= signed.size)) {
      refuse(res, 413, ErrorCode.FRAME_TOO_LARGE, `the body must be exactly ${signed.size} bytes, as signed`, true);
      return;
    }
    if (length < signed.size) {
      refuse(res, 400, ErrorCode.BAD_FRAME, `the body must be exactly ${signed.size} bytes, as signed`, true);
      return;
    }
  }
  const temp = await objects.tempPath();
  const file = await open(temp, 'wx', 0o600);
  let closed = false;
  let published = false;
  try {
    await file.write(encodeHeader({ key: signed.key, size: signed.size, mimeType: signed.mimeType }));
    const outcome = await receive(req, file, signed.size);
    switch (outcome) {
      case 'complete':
        await file.sync();
        await file.close();
        closed = true;
        await objects.publish(temp, signed.key);
        published = true;
        res.writeHead(200, { 'content-length': 0, 'cache-control': 'no-store', ...BLOB_SECURITY_HEADERS });
        res.end();
        return;
      case 'too-long':
        refuse(res, 413, ErrorCode.FRAME_TOO_LARGE, `the body is longer than the signed ${signed.size} bytes`, true);
        return;
      case 'too-short':
        refuse(res, 400, ErrorCode.BAD_FRAME, `the body is shorter than the signed ${signed.size} bytes`, true);
        return;
      case 'aborted':
        res.destroy();
        return;
    }
  } finally {
    if (!closed) await file.close().catch(() => undefined);
    if (!published) await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** The byte range a `Range` header asks for: null for the whole object, 'unsatisfiable' for 416. */
function byteRange(req: IncomingMessage, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const header = req.headers.range;
  // If-Range would need validators; without them the whole object is the safe answer.
  if (header === undefined || req.headers['if-range'] !== undefined || size === 0) return null;
  const match = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null; // several ranges or another unit: the whole object
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (match[2] !== '' && Number(match[2]) < start) return null; // not a valid range (RFC 9110): ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1) };
}

/** Answers a GET or HEAD whose signature, expiry and method the caller has checked. */
export async function serveDownload(req: IncomingMessage, res: ServerResponse, objects: DiskObjects, signed: SignedDownload, now: number): Promise<void> {
  const found = await objects.open(signed.key);
  if (!found) {
    refuse(res, 404, ErrorCode.NOT_FOUND, 'no such object');
    return;
  }
  let streaming = false;
  try {
    const range = byteRange(req, found.size);
    const common = {
      'content-type': signed.mimeType,
      'content-disposition': contentDisposition(signed.filename, signed.inline),
      'cache-control': `private, max-age=${Math.max(0, Math.floor((signed.expiresAt - now) / 1000))}`,
      'accept-ranges': 'bytes',
      ...BLOB_SECURITY_HEADERS,
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'content-range': `bytes */${found.size}`, 'content-length': 0 });
      res.end();
      return;
    }
    const { start, end } = range ?? { start: 0, end: found.size - 1 };
    res.writeHead(range ? 206 : 200, {
      ...common,
      'content-length': end - start + 1,
      ...(range ? { 'content-range': `bytes ${start}-${end}/${found.size}` } : {}),
    });
    if (req.method === 'HEAD' || found.size === 0) {
      res.end();
      return;
    }
    streaming = true;
    await new Promise<void>((done) => {
      // The stream closes the file when it ends or is destroyed.
      const stream = found.file.createReadStream({ start: found.offset + start, end: found.offset + end });
      stream.on('error', () => res.destroy());
      res.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
  } finally {
    if (!streaming) await found.file.close();
  }
}
