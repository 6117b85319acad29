import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { ErrorCode } from '@parley/protocol';
import { defaultContentSecurityPolicy, securityHeaders, type ContentSecurityPolicy } from './static-headers.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Answers a request, or says it is not one for static files (so the caller can 404 or pass it on). */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface StaticOptions {
  /** The `Content-Security-Policy` header (default `defaultContentSecurityPolicy`): set yours for your own app. */
  contentSecurityPolicy?: ContentSecurityPolicy;
}

/**
 * Serves a built single-page app from `dir`: GET and HEAD only, `index.html` for paths that are
 * not files (client-side routes), nothing outside `dir` (no `..`, no symlinks leading out), no
 * dotfiles (`.env`, `.git/`), and security headers (a strict CSP, `nosniff`, `no-referrer`).
 *
 * @example
 * const serveApp = createStaticHandler('examples/web-chat/dist');
 * http.on('request', async (req, res) => (await serveApp(req, res)) || notFound(res));
 */
export function createStaticHandler(dir: string, options: StaticOptions = {}): StaticHandler {
  const csp = options.contentSecurityPolicy ?? defaultContentSecurityPolicy;
  const root = resolve(dir);
  const realRoot = realpath(root).catch(() => root);

  /** The file a URL path names, or null if it is outside the root or not a regular file. */
  async function fileFor(urlPath: string): Promise<string | null> {
    const candidate = resolve(join(root, urlPath));
    if (candidate !== root && !candidate.startsWith(root + sep)) return null;
    try {
      const real = await realpath(candidate);
      const base = await realRoot;
      if (real !== base && !real.startsWith(base + sep)) return null;
      const info = await stat(real);
      if (info.isFile()) return real;
      if (info.isDirectory()) return fileFor(join(urlPath, 'index.html'));
    } catch {
      // missing: the caller decides between the SPA fallback and 404
    }
    return null;
  }

  const handle: StaticHandler = async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let rawPath: string;
    try {
      rawPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return false;
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(rawPath);
    } catch {
      // A broken percent-encoding names no file, nor a client-side route: say so rather than 404.
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: { code: ErrorCode.BAD_FRAME, name: 'BAD_FRAME', message: 'malformed percent-encoding' } }));
      return true;
    }
    if (urlPath.includes('\0')) return false;
    // Dotfiles (`.env`, `.git/config`) are never part of a built app, and `..` never leads anywhere
    // wanted: refuse them before the SPA fallback could answer with the shell.
    if (urlPath.split(/[\\/]/).some((segment) => segment.startsWith('.'))) return false;
    let file = await fileFor(urlPath);
    // A path without an extension is a client-side route: the app's shell handles it.
    if (!file && extname(urlPath) === '') file = await fileFor('/index.html');
    if (!file) return false;
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    // Vite fingerprints everything under assets/; the shell must always be revalidated.
    const immutable = file.startsWith(resolve(await realRoot, 'assets') + sep);
    const { size } = await stat(file);
    res.writeHead(200, {
      'content-type': type,
      'content-length': size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...securityHeaders(req, csp),
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      res.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
    return true;
  };
  return async (req, res) => {
    try {
      return await handle(req, res);
    } catch {
      // A file that vanished between the lookup and the read: answer like any other miss.
      if (res.headersSent) res.destroy();
      return res.headersSent;
    }
  };
}
