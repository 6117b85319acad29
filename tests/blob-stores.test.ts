import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { runBlobStoreConformance } from '@parley/server-sdk/testing';
import { createS3BlobStore } from '@parley/server-sdk/s3';
import { createDiskBlobStore, type DiskBlobStore } from '../packages/server-sdk/src/blobs/disk-blob-store.js';
import { until } from './helpers/fixtures.js';

const SECRET = 'a test secret that is long enough: 32+ bytes';

interface DiskRig {
  store: DiskBlobStore;
  dir: string;
  origin: string;
  server: Server;
  close(): Promise<void>;
}

/** The disk store in a fresh temp dir, mounted at /blobs of a real http server on 127.0.0.1:0. */
async function openDisk(): Promise<DiskRig> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-blobs-'));
  const mounted: { store?: DiskBlobStore } = {};
  const server = createServer((req, res) => {
    void (async () => {
      if (mounted.store && (await mounted.store.handle(req, res))) return;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('the app answers this');
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const opened = createDiskBlobStore({ dir, secret: SECRET, publicUrl: `${origin}/blobs` });
  mounted.store = opened;
  return {
    store: opened,
    dir,
    origin,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await opened.close?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

runBlobStoreConformance('disk', async () => {
  const rig = await openDisk();
  return { store: rig.store, cleanup: () => rig.close() };
});

/** The S3 endpoint tests run against (SeaweedFS: `eval "$(.ci/services/seaweedfs.sh start)"`); in CI its absence fails. */
function s3TestEnv(suite: string): { endpoint: string; accessKeyId: string; secretAccessKey: string; bucket: string } | null {
  const endpoint = process.env.PARLEY_TEST_S3_ENDPOINT;
  const accessKeyId = process.env.PARLEY_TEST_S3_ACCESS_KEY;
  const secretAccessKey = process.env.PARLEY_TEST_S3_SECRET_KEY;
  const bucket = process.env.PARLEY_TEST_S3_BUCKET;
  if (endpoint && accessKeyId && secretAccessKey && bucket) return { endpoint, accessKeyId, secretAccessKey, bucket };
  const howTo = 'set PARLEY_TEST_S3_ENDPOINT, _ACCESS_KEY, _SECRET_KEY and _BUCKET (SeaweedFS: eval "$(.ci/services/seaweedfs.sh start)")';
  if (process.env.CI === 'true') {
    describe(suite, () => {
      it('needs an S3 endpoint', () => {
        throw new Error(`${suite}: no S3 endpoint in CI: ${howTo}`);
      });
    });
  } else {
    console.warn(`[parley] skipping "${suite}": no S3 endpoint; ${howTo}`);
  }
  return null;
}

const s3 = s3TestEnv('s3 blob store (SeaweedFS)');
if (s3) {
  // The SDK warns once that its 2027 releases need Node 22; this repository pins a release that runs on 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  afterAll(() => client.destroy());
  // S3 cannot add nosniff to a signed GET (a CDN in front does): the suite skips that header.
  runBlobStoreConformance(
    's3 (SeaweedFS)',
    async () => ({ store: createS3BlobStore({ client, bucket: s3.bucket, keyPrefix: `t-${randomBytes(4).toString('hex')}/` }) }),
    { nosniff: false },
  );
}

describe('disk blob store', () => {
  let rig: DiskRig | undefined;
  const open = async () => (rig = await openDisk());
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  const tempFiles = async (dir: string) => readdir(join(dir, 'tmp')).catch(() => [] as string[]);

  it('refuses a secret under 32 bytes and a publicUrl it could not mount', () => {
    expect(() => createDiskBlobStore({ dir: tmpdir(), secret: 'short', publicUrl: '/blobs' })).toThrow(/32 bytes/);
    expect(() => createDiskBlobStore({ dir: tmpdir(), secret: Buffer.alloc(31), publicUrl: '/blobs' })).toThrow(/32 bytes/);
    for (const publicUrl of ['blobs', '/', '//evil.example/blobs', 'http://host/blobs?x=1', 'ftp://host/blobs']) {
      expect(() => createDiskBlobStore({ dir: tmpdir(), secret: SECRET, publicUrl }), publicUrl).toThrow(/publicUrl/);
    }
    expect(createDiskBlobStore({ dir: tmpdir(), secret: Buffer.alloc(32, 1), publicUrl: '/blobs/' }).kind).toBe('disk');
  });

  it('signs path-only URLs under a relative publicUrl, and leaves every other path to the app', async () => {
    const { origin, dir } = await open();
    const relative = createDiskBlobStore({ dir, secret: SECRET, publicUrl: '/media/' });
    const signed = await relative.presignUpload('a/c1/x', { size: 3, mimeType: 'text/plain', expiresInSeconds: 60 });
    expect(signed.url).toMatch(/^\/media\/a\/c1\/x\?/);
    for (const path of ['/', '/blobs', '/blobsx/a', '/other/blobs/a']) {
      const res = await fetch(`${origin}${path}`);
      expect(await res.text(), path).toBe('the app answers this');
    }
    await relative.close?.();
  });

  it('answers CORS for the origins it allows (preflight, PUT, GET) and for no other', async () => {
    const { dir } = await open();
    const app = 'https://app.example';
    const store = createDiskBlobStore({ dir, secret: SECRET, publicUrl: '/blobs', allowedOrigins: [app] });
    const server = createServer((req, res) => void store.handle(req, res).then((served) => served || res.writeHead(404).end()));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const upload = await store.presignUpload('a/cors', { size: 2, mimeType: 'text/plain', expiresInSeconds: 60 });
      const preflight = await fetch(`${origin}${upload.url}`, { method: 'OPTIONS', headers: { origin: app, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(app);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
      const put = await fetch(`${origin}${upload.url}`, { method: 'PUT', headers: { ...upload.headers, origin: app }, body: 'hi' });
      expect(put.status).toBe(200);
      expect(put.headers.get('access-control-allow-origin')).toBe(app);
      const download = await store.presignDownload('a/cors', { filename: 'hi.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 });
      const got = await fetch(`${origin}${download.url}`, { headers: { origin: app } });
      expect(await got.text()).toBe('hi');
      expect(got.headers.get('access-control-allow-origin')).toBe(app);
      expect(got.headers.get('access-control-expose-headers')).toContain('Content-Disposition');
      // Another origin gets no CORS answer (its browser refuses the response), and no preflight.
      const stranger = await fetch(`${origin}${download.url}`, { headers: { origin: 'https://evil.example' } });
      await stranger.arrayBuffer();
      expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
      const strangerPreflight = await fetch(`${origin}${upload.url}`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
      await strangerPreflight.arrayBuffer();
      expect(strangerPreflight.status).toBe(405);
      expect(strangerPreflight.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await store.close?.();
    }
  });

  it('serves HEAD and byte ranges, with nosniff, a sandboxing CSP and caching no longer than the URL lives', async () => {
    const { store } = await open();
    const body = Buffer.from('0123456789');
    const up = await store.presignUpload('a/c/range', { size: 10, mimeType: 'text/plain', expiresInSeconds: 60 });
    expect((await fetch(up.url, { method: 'PUT', headers: up.headers, body })).status).toBe(200);
    const { url } = await store.presignDownload('a/c/range', { filename: 'n.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 120 });
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('10');
    expect(head.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(head.headers.get('x-content-type-options')).toBe('nosniff');
    const maxAge = Number(/max-age=(\d+)/.exec(head.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(120);
    const part = await fetch(url, { headers: { range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10');
    expect(await part.text()).toBe('234');
    const tail = await fetch(url, { headers: { range: 'bytes=-3' } });
    expect(await tail.text()).toBe('789');
    const outside = await fetch(url, { headers: { range: 'bytes=10-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe('bytes */10');
    const junk = await fetch(url, { headers: { range: 'bytes=abc' } });
    expect([junk.status, await junk.text()]).toEqual([200, '0123456789']);
  });

  it('a client that goes away mid-upload leaves no object and no temp file', async () => {
    const { store, dir } = await open();
    const key = 'a/c/aborted';
    const size = 4 * 1024 * 1024;
    const signed = await store.presignUpload(key, { size, mimeType: 'application/octet-stream', expiresInSeconds: 60 });
    const req = request(signed.url, { method: 'PUT', headers: { ...signed.headers, 'content-length': size } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(256 * 1024, 1));
    // The server is writing the upload: a temp file exists, and no object does yet.
    await until(async () => (await tempFiles(dir)).length === 1, 10_000, 'the upload to reach a temp file');
    expect(await store.stat(key)).toBeNull();
    req.destroy();
    await until(async () => (await tempFiles(dir)).length === 0, 10_000, 'the temp file to be removed');
    expect(await store.stat(key)).toBeNull();
    // The same URL still works for the retry.
    const retry = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: Buffer.alloc(size, 2) });
    expect(retry.status).toBe(200);
    expect(await store.stat(key)).toEqual({ size, mimeType: 'application/octet-stream' });
  });

  it('stops reading a body that runs past its signed size (no declared length), and keeps nothing', async () => {
    const { store, dir } = await open();
    const key = 'a/c/endless';
    const signed = await store.presignUpload(key, { size: 1024, mimeType: 'application/octet-stream', expiresInSeconds: 60 });
    // A 1 GB body, made lazily: how much of it was pulled shows how much the server read.
    const limit = 1024 * 1024 * 1024;
    let produced = 0;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const body = new Readable({
      read() {
        if (produced >= limit) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const outcome = await new Promise<number | 'cut'>((done) => {
      const req = request(signed.url, { method: 'PUT', headers: { ...signed.headers, 'transfer-encoding': 'chunked' } });
      req.on('response', (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', () => done('cut'));
      body.pipe(req);
    });
    body.destroy();
    expect([413, 'cut']).toContain(outcome);
    // Kernel buffers and a few chunks in flight, not the gigabyte.
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    expect(await store.stat(key)).toBeNull();
    await until(async () => (await tempFiles(dir)).length === 0, 10_000, 'the temp file to be removed');
  });

  it('refuses a declared Content-Length over the signed size before reading the body', async () => {
    const { store } = await open();
    const signed = await store.presignUpload('a/c/declared', { size: 10, mimeType: 'text/plain', expiresInSeconds: 60 });
    const status = await new Promise<number>((done, fail) => {
      const req = request(signed.url, { method: 'PUT', headers: { ...signed.headers, 'content-length': 1024 * 1024 * 1024 } });
      req.on('response', (res) => done(res.statusCode ?? 0));
      req.on('error', fail);
      req.flushHeaders(); // headers only: the answer must not wait for a body
    });
    expect(status).toBe(413);
    expect(await store.stat('a/c/declared')).toBeNull();
  });

  it('answers garbage requests with 4xx and keeps serving: bad paths, percent-encoding, methods, huge queries', async () => {
    const { store, origin } = await open();
    const up = await store.presignUpload('a/c/ok', { size: 2, mimeType: 'text/plain', expiresInSeconds: 60 });
    expect((await fetch(up.url, { method: 'PUT', headers: up.headers, body: 'ok' })).status).toBe(200);
    const good = (await store.presignDownload('a/c/ok', { filename: 'ok.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 })).url;
    const query = new URL(good).search;
    const raw = [
      `GET /blobs/ HTTP/1.1`,
      `GET /blobs/%E0%A4%A HTTP/1.1`,
      `GET /blobs/%ZZ${query} HTTP/1.1`,
      `GET /blobs/a/%2e%2e/%2e%2e/etc/passwd${query} HTTP/1.1`,
      `GET /blobs/a%00b${query} HTTP/1.1`,
      `GET /blobs/a/c/ok?op=get&op=get&sig=x HTTP/1.1`,
      `GET /blobs/a/c/ok?op=put&size=99999999999999999999&type=%ZZ&exp=-1&sig= HTTP/1.1`,
      `GET /blobs/a/c/ok?${'x=1&'.repeat(2000)} HTTP/1.1`,
      `GET /blobs/a/c/ok?${'x=1&'.repeat(20_000)} HTTP/1.1`,
      `DELETE /blobs/a/c/ok${query} HTTP/1.1`,
      `POST /blobs/a/c/ok${query} HTTP/1.1`,
      `OPTIONS /blobs/a/c/ok HTTP/1.1`,
      `GET http://evil.example/blobs/a/c/ok?sig=1 HTTP/1.1`,
      `PUT /blobs/a/c/ok${new URL(up.url).search} HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: abc`,
    ];
    for (const line of raw) {
      const status = await rawStatus(origin, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(status, line.slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(status, line.slice(0, 80)).toBeLessThan(500);
    }
    const res = await fetch(good, { headers: { range: 'bytes=5-1' } });
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
    const deleted = await fetch(good.replace('/blobs/a/c/ok', '/blobs/a/c/ok/..%2f..%2fok'));
    expect(deleted.status).toBeGreaterThanOrEqual(400);
    expect(await store.stat('a/c/ok')).toEqual({ size: 2, mimeType: 'text/plain' });
  });

  it('removes temp files a crash left behind an hour ago, and keeps younger ones (another upload under way)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-blobs-'));
    await mkdir(join(dir, 'tmp'));
    await writeFile(join(dir, 'tmp', 'old.part'), 'partial');
    await writeFile(join(dir, 'tmp', 'young.part'), 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(dir, 'tmp', 'old.part'), twoHoursAgo, twoHoursAgo);
    const store = createDiskBlobStore({ dir, secret: SECRET, publicUrl: '/blobs' });
    await store.close?.();
    expect(await readdir(join(dir, 'tmp'))).toEqual(['young.part']);
    await rm(dir, { recursive: true, force: true });
  });
});

/** Sends raw bytes (what no fetch would send) and returns the status code of the answer. */
function rawStatus(origin: string, text: string): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => (answer += data));
    socket.on('error', fail);
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      if (status) done(Number(status));
      else fail(new Error(`no HTTP answer to ${text.slice(0, 60)}: ${JSON.stringify(answer.slice(0, 100))}`));
    });
  });
}
