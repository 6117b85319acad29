import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@parley/protocol';
import { checkBlobKey, checkDownloadSpec, checkUploadSpec } from './blob-spec.js';
import { receiveUpload, refuse, serveDownload } from './disk-blob-http.js';
import { signedQuery, verifyQuery } from './disk-blob-urls.js';
import { DiskObjects } from './disk-objects.js';
import type { BlobStore } from './types.js';

export interface DiskBlobStoreOptions {
  /** Where the objects live (created if missing). Give every node that serves `handle` the same one. */
  dir: string;
  /** The HMAC-SHA256 key of the signed URLs, at least 32 bytes; the same on every node. */
  secret: string | Uint8Array;
  /**
   * Where the app mounts `handle`, as clients reach it: a path (`/blobs`, for a client on the
   * app's own origin) or an absolute URL (`https://chat.example.com/blobs`). Signed URLs are
   * `${publicUrl}/<key>?…`; `handle` answers the requests under its path.
   */
  publicUrl: string;
  /**
   * Browser origins of apps served from another origin than `publicUrl` (`https://app.example.com`),
   * or `'*'`: their pages may PUT and GET through CORS (the signed URL is the credential, so no
   * cookies are involved). Default none: same-origin apps only.
   */
  allowedOrigins?: readonly string[] | '*';
  /** The clock (epoch ms), for tests. */
  now?: () => number;
}

/** A `BlobStore` on the local disk that also serves its own signed URLs. */
export interface DiskBlobStore extends BlobStore {
  /**
   * Answers a request under `publicUrl`'s path (an upload or a download) and resolves true, or
   * resolves false for any other request so the app can pass it on. Never rejects.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** Temp files untouched this long are uploads a crash cut short: removed when a store opens. */
const STALE_TEMP_MS = 3600_000;

/**
 * The blob store `parley-server` embeds: objects are files in `dir`, uploaded and downloaded
 * through URLs it signs itself and serves with `handle`. An upload URL binds the key, the exact
 * size and the MIME type (another size, type or method is refused, a longer body as soon as it
 * passes the size, without reading the rest); an upload becomes visible only once complete and
 * synced. Downloads carry `Content-Disposition`, `nosniff` and a sandboxing CSP.
 *
 * @example
 * const blobs = createDiskBlobStore({ dir: './data/blobs', secret: process.env.BLOB_SECRET!, publicUrl: '/blobs' });
 * http.on('request', async (req, res) => (await blobs.handle(req, res)) || notFound(res));
 * const upload = await blobs.presignUpload('a/c1/att1', { size: 1024, mimeType: 'image/png', expiresInSeconds: 300 });
 */
export function createDiskBlobStore(options: DiskBlobStoreOptions): DiskBlobStore {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8') : Buffer.from(options.secret);
  if (secret.byteLength < 32) throw new TypeError('disk blob store: the secret must be at least 32 bytes');
  const { publicUrl, basePath } = mountPoint(options.publicUrl);
  const now = options.now ?? Date.now;
  const objects = new DiskObjects(options.dir);
  const swept = objects.sweepTemp(now(), STALE_TEMP_MS);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return false;
    }
    if (!url.pathname.startsWith(`${basePath}/`)) return false;
    const isPut = req.method === 'PUT';
    if (allowCors(req, res, options.allowedOrigins) && req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, HEAD, PUT',
        'access-control-allow-headers': 'Content-Type, Range',
        'access-control-max-age': '600',
      });
      res.end();
      return true;
    }
    try {
      if (!isPut && req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD, PUT');
        refuse(res, 405, ErrorCode.BAD_FRAME, 'only GET, HEAD and PUT', true);
        return true;
      }
      let key: string;
      try {
        key = decodeURIComponent(url.pathname.slice(basePath.length + 1));
        checkBlobKey(key);
      } catch {
        refuse(res, 400, ErrorCode.BAD_FRAME, 'not a blob key', isPut);
        return true;
      }
      const signed = verifyQuery(secret, key, url.searchParams);
      if (!signed) {
        refuse(res, 403, ErrorCode.FORBIDDEN, 'not a valid signed URL for this object', isPut);
      } else if (signed.op !== (isPut ? 'put' : 'get')) {
        refuse(res, 403, ErrorCode.FORBIDDEN, `this URL is signed for ${signed.op === 'put' ? 'PUT' : 'GET'} only`, isPut);
      } else if (now() > signed.expiresAt) {
        refuse(res, 403, ErrorCode.FORBIDDEN, 'this signed URL has expired', isPut);
      } else if (signed.op === 'put') {
        await receiveUpload(req, res, objects, signed);
      } else {
        await serveDownload(req, res, objects, signed, now());
      }
    } catch {
      // A disk failure, or a client gone mid-answer: the request fails, the process goes on.
      refuse(res, 500, ErrorCode.INTERNAL, 'the blob store failed', true);
    }
    return true;
  }

  return {
    kind: 'disk',
    handle,
    async presignUpload(key, spec) {
      checkBlobKey(key);
      checkUploadSpec(spec);
      const expiresAt = now() + spec.expiresInSeconds * 1000;
      const query = signedQuery(secret, { op: 'put', key, size: spec.size, mimeType: spec.mimeType, expiresAt });
      return { url: `${publicUrl}/${key}?${query}`, method: 'PUT', headers: { 'Content-Type': spec.mimeType }, expiresAt };
    },
    async presignDownload(key, spec) {
      checkBlobKey(key);
      checkDownloadSpec(spec);
      const expiresAt = now() + spec.expiresInSeconds * 1000;
      const query = signedQuery(secret, { op: 'get', key, filename: spec.filename, mimeType: spec.mimeType, inline: spec.inline, expiresAt });
      return { url: `${publicUrl}/${key}?${query}`, expiresAt };
    },
    async stat(key) {
      checkBlobKey(key);
      return objects.stat(key);
    },
    async delete(key) {
      checkBlobKey(key);
      await objects.delete(key);
    },
    async close() {
      await swept;
    },
  };
}

/** `publicUrl` without a trailing `/`, and the path `handle` answers under. */
function mountPoint(given: string): { publicUrl: string; basePath: string } {
  const trimmed = given.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed, 'http://localhost');
  } catch {
    throw new TypeError(`disk blob store: publicUrl ${JSON.stringify(given)} is not a URL`);
  }
  const absolute = /^https?:\/\//i.test(trimmed);
  if ((!absolute && (!trimmed.startsWith('/') || trimmed.startsWith('//'))) || parsed.search !== '' || parsed.hash !== '' || parsed.pathname === '/') {
    throw new TypeError(`disk blob store: publicUrl must be a path like /blobs or an http(s) URL with a path, without query (got ${JSON.stringify(given)})`);
  }
  return { publicUrl: trimmed, basePath: parsed.pathname };
}

/**
 * Adds the CORS answer for a request from an allowed origin (a browser app on another origin
 * than the blob URLs); true when it did. The signed URL is the credential: no cookies, so no
 * `Allow-Credentials`.
 */
function allowCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[] | '*' | undefined): boolean {
  const origin = req.headers.origin;
  if (!allowed || typeof origin !== 'string') return false;
  if (allowed !== '*' && !allowed.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', allowed === '*' ? '*' : origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'Content-Length, Content-Disposition, Content-Range');
  return true;
}
