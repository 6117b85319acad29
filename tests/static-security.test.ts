import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceServer, type ReferenceServer } from '../packages/server-sdk/src/reference-server.js';
import { startReferenceProcess } from './helpers/reference-process.js';

let base: string;
let site: string;
let server: ReferenceServer;

/** A raw request: the path goes on the wire exactly as written (fetch would normalize it). */
function get(target: ReferenceServer, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const start = (staticCsp?: string) =>
  startReferenceServer({
    port: 0, host: '127.0.0.1', store: 'memory', dataDir: base, devAuth: true,
    allowedOrigins: [], logLevel: 'error', staticDir: site, ...(staticCsp ? { staticCsp } : {}),
  });

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'parley-static-sec-'));
  site = join(base, 'site');
  await mkdir(join(site, 'assets'), { recursive: true });
  await mkdir(join(site, '.git'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<!doctype html><title>chat shell</title>');
  await writeFile(join(site, 'assets', 'app.js'), 'console.log("app")');
  await writeFile(join(site, '.env'), 'SECRET_KEY=hunter2');
  await writeFile(join(site, '.git', 'config'), '[remote "origin"] SECRET_KEY');
  await writeFile(join(site, '.git', 'index.html'), 'SECRET_KEY index');
  await writeFile(join(site, 'assets', '.hidden.js'), 'SECRET_KEY hidden');
  server = await start();
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

describe('--static refuses dotfiles', () => {
  it.each([
    '/.env', '/.git/config', '/.git/', '/.git', '/assets/.hidden.js', '/%2eenv', '/%2Egit/config',
    '/assets/%2ehidden.js', '/assets/../.env', '/assets/..%2f.env', '/.git%2fconfig', '/x/..%2f.env', '/.%2e/site/.env',
  ])('%s is a 404, neither the file nor the app shell', async (path) => {
    const res = await get(server, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('SECRET_KEY');
    expect(res.body).not.toContain('chat shell');
  });

  it('still serves ordinary files and client-side routes', async () => {
    expect((await get(server, '/assets/app.js')).status).toBe(200);
    expect((await get(server, '/chats/a.b')).status).toBe(404);
    expect(await get(server, '/chats/abc')).toMatchObject({ status: 200, body: expect.stringContaining('chat shell') });
  });
});

describe('--static security headers', () => {
  it('sends a strict CSP, nosniff and no-referrer with the app shell and its assets', async () => {
    for (const path of ['/', '/chats/abc', '/assets/app.js']) {
      const { headers } = await get(server, path);
      const csp = String(headers['content-security-policy']);
      const { host } = new URL(server.url);
      for (const directive of [
        "default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'",
        `connect-src 'self' ws://${host} wss://${host}`,
      ]) {
        expect(csp, path).toContain(directive);
      }
      expect(csp).not.toContain('unsafe');
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['x-frame-options']).toBe('DENY');
    }
  });

  it('takes your own CSP, from the config or --static-csp / PARLEY_STATIC_CSP', async () => {
    const mine = "default-src 'self'; script-src 'self' https://cdn.example.test";
    const custom = await start(mine);
    try {
      expect((await get(custom, '/')).headers['content-security-policy']).toBe(mine);
    } finally {
      await custom.close();
    }
    for (const [args, env] of [
      [['--static-csp', mine], {}],
      [[], { PARLEY_STATIC_CSP: mine }],
    ] as const) {
      const child = await startReferenceProcess(['--dev', '--store', 'memory', '--static', site, ...args], env);
      try {
        const res = await fetch(`${child.url}/`);
        expect(res.headers.get('content-security-policy')).toBe(mine);
      } finally {
        await child.stop();
      }
    }
  });
});
