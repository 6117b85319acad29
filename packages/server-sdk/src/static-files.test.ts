import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceServer, type ReferenceServer } from './reference-server.js';

let base: string;
let server: ReferenceServer;

/** A raw request: the path goes on the wire exactly as written (fetch would normalize `..`). */
function get(path: string, method = 'GET'): Promise<{ status: number; type: string; cache: string; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += String(chunk)));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        type: String(res.headers['content-type'] ?? ''),
        cache: String(res.headers['cache-control'] ?? ''),
        body,
      }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'parley-static-'));
  const site = join(base, 'site');
  await mkdir(join(site, 'assets'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<!doctype html><title>chat shell</title>');
  await writeFile(join(site, 'assets', 'app-3f2a.js'), 'console.log("app")');
  await writeFile(join(site, 'assets', 'app-3f2a.css'), 'body{}');
  await writeFile(join(site, 'logo.svg'), '<svg/>');
  await writeFile(join(base, 'secret.txt'), 'TOP SECRET');
  await symlink(join(base, 'secret.txt'), join(site, 'link.txt'));
  server = await startReferenceServer({
    port: 0, host: '127.0.0.1', store: 'memory', dataDir: base, devAuth: true,
    allowedOrigins: [], logLevel: 'error', staticDir: site,
  });
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

describe('the reference server serving a web app (--static)', () => {
  it('serves the app shell, its assets with their content types, and the shell for client-side routes', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: expect.stringContaining('chat shell') });
    const script = await get('/assets/app-3f2a.js');
    expect(script).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log("app")' });
    expect(script.cache).toContain('immutable');
    expect(await get('/assets/app-3f2a.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    expect(await get('/logo.svg?v=2')).toMatchObject({ status: 200, type: 'image/svg+xml' });
    const route = await get('/chats/some-conversation');
    expect(route).toMatchObject({ status: 200, body: expect.stringContaining('chat shell') });
    expect(route.cache).toBe('no-cache');
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/', 'POST')).status).toBe(404);
    expect((await get('/', 'HEAD')).status).toBe(200);
  });

  it('leaves the API, health, metrics and socket paths to the server', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect((await get('/metrics')).body).toContain('parley_connections');
    const api = await get('/api/conversations');
    expect(api.status).toBe(401);
    expect(api.body).not.toContain('chat shell');
    expect((await get('/api/dev/token')).status).toBe(405);
    expect((await get('/parley/socket.io/?EIO=4&transport=polling')).body).not.toContain('chat shell');
  });

  it('never serves a file from outside its directory', async () => {
    for (const path of [
      '/../secret.txt',
      '/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/link.txt',
      '/%00/../secret.txt',
    ]) {
      const res = await get(path);
      expect(res.body, path).not.toContain('TOP SECRET');
    }
  });
});
