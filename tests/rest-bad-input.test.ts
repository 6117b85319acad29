import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { testScope } from './helpers/scope.js';
import { rawRequest } from './fuzz/raw-http.js';

// Paths fetch() would refuse or normalize, so they go out byte for byte.
const get = (url: string, target: string, headers = '') =>
  rawRequest(url, `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);

function expectBadRequest(res: { status: number; body: string }): void {
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toMatchObject({ error: { code: ErrorCode.BAD_FRAME, name: 'BAD_FRAME' } });
}

const MALFORMED = ['/api/conversations/%/messages', '/api/conversations/%E0%A4%A/messages', '/api/conversations/%zz/messages'];
// Paths that are not URLs relative to a host (`//`): a typed 404, not a crash.
const ODD = ['/api//', '/api///x', '/api//x/conversations'];

async function expectNotFound(url: string, target: string): Promise<void> {
  const res = await get(url, target);
  expect(res.status).toBe(404);
  expect(JSON.parse(res.body)).toMatchObject({ error: { code: ErrorCode.NOT_FOUND } });
}

describe('malformed REST paths get a 400 and never crash the reference server', () => {
  let server: ReferenceProcess;
  let staticDir: string;
  beforeAll(async () => {
    staticDir = mkdtempSync(join(tmpdir(), 'parley-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
    server = await startReferenceProcess(['--dev', '--store', 'memory', '--static', staticDir]);
  });
  afterAll(async () => {
    await server?.kill();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('GET /api/conversations/%/messages with no token: 400 BAD_FRAME, and the process keeps serving', async () => {
    expectBadRequest(await get(server.url, '/api/conversations/%/messages'));
    expect((await get(server.url, '/healthz')).status).toBe(200);
  });

  it('answers every malformed path, with or without a token, under /api and for static files', async () => {
    const auth = `Authorization: Bearer ${await server.issueToken('alice')}\r\n`;
    for (const target of MALFORMED) {
      expectBadRequest(await get(server.url, target));
      expectBadRequest(await get(server.url, target, auth));
    }
    for (const target of ODD) await expectNotFound(server.url, target);
    expectBadRequest(await get(server.url, '/assets/%zz.js'));
    expect((await get(server.url, '/healthz')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

describe('a client that leaves in the middle of a body never crashes the reference server', () => {
  let server: ReferenceProcess;
  beforeAll(async () => {
    server = await startReferenceProcess(['--dev', '--store', 'memory']);
  });
  afterAll(async () => {
    await server?.kill();
  });

  it('POST /api/dev/token cut short: the server keeps serving', async () => {
    const cut = 'POST /api/dev/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"userId":';
    await rawRequest(server.url, cut, { end: true });
    // The request handler sees the abort after the socket closes: prove it ran by a full round trip after it.
    expect(await server.issueToken('alice')).toMatch(/./);
    expect((await get(server.url, '/healthz')).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

describe('malformed REST paths get a 400 from a mounted chat.rest', () => {
  const scope = testScope();

  it('GET /api/conversations/%/messages with no token: 400 BAD_FRAME, and the server keeps serving', async () => {
    const server = await scope.server();
    for (const target of MALFORMED) expectBadRequest(await get(server.url, target));
    for (const target of ODD) await expectNotFound(server.url, target);
    const ok = await get(server.url, '/api/conversations', `Authorization: Bearer ${await server.token('alice')}\r\n`);
    expect(ok.status).toBe(200);
  });
});
