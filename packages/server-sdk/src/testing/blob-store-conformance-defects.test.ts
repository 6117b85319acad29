import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBlobKey, checkDownloadSpec, checkUploadSpec, contentDisposition } from '../blobs/blob-spec.js';
import { createDiskBlobStore, type DiskBlobStore } from '../blobs/disk-blob-store.js';
import type { BlobStore } from '../blobs/types.js';
import { blobChecks } from './blob-checks.js';

// The kit's own test: a check that passes on a broken store proves nothing. Each defect below is
// a plausible bug of a blob store; the named check must fail on a store that has it, and every
// check must pass on the unbroken stores (the disk store, and the small one written here).

type Opened = { store: BlobStore; close: () => Promise<void> };

/** HTTP-level bugs of the small store below: each skips one thing a signed URL must hold to. */
interface Flaws {
  ignoresSize?: boolean;
  /** Writes the body in place as it arrives: a cut or short upload leaves what came. */
  keepsPartial?: boolean;
  ignoresType?: boolean;
  ignoresExpiry?: boolean;
  /** Compares only the first 8 characters of the signature. */
  comparesSignaturePrefix?: boolean;
  /** Takes a PUT with no query at all (a bucket left writable). */
  writableWithoutSignature?: boolean;
  /** Checks the signature but not that the method is the one it was made for. */
  methodUnbound?: boolean;
  noNosniff?: boolean;
}

/** A small in-memory store that serves its own signed URLs, correct unless told a flaw. */
async function smallStore(flaws: Flaws = {}): Promise<Opened> {
  const secret = randomBytes(32);
  const objects = new Map<string, { bytes: Buffer; mimeType: string }>();
  const sign = (parts: unknown[]) => createHmac('sha256', secret).update(JSON.stringify(parts)).digest('hex');
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const answer = (status: number, headers: Record<string, string | number> = {}, bytes?: Buffer) => {
        res.writeHead(status, headers);
        res.end(bytes);
      };
      const url = new URL(req.url ?? '/', 'http://x');
      const key = decodeURIComponent(url.pathname.slice(1));
      const q = url.searchParams;
      if (url.search === '') {
        if (!flaws.writableWithoutSignature || req.method !== 'PUT') return answer(403);
        objects.set(key, { bytes: body, mimeType: req.headers['content-type'] ?? 'application/octet-stream' });
        return answer(200);
      }
      const op = q.get('op');
      if (!flaws.methodUnbound && op !== (req.method === 'PUT' ? 'put' : 'get')) return answer(403);
      const parts = op === 'put'
        ? [op, key, Number(q.get('size')), q.get('type'), Number(q.get('exp'))]
        : [op, key, Number(q.get('exp')), q.get('name'), q.get('type'), q.get('inline')];
      const expected = sign(parts);
      const given = q.get('sig') ?? '';
      const valid = flaws.comparesSignaturePrefix ? given.length >= 8 && expected.startsWith(given.slice(0, 8)) : given === expected;
      if (!valid) return answer(403);
      if (!flaws.ignoresExpiry && Date.now() > Number(q.get('exp'))) return answer(403);
      const mimeType = q.get('type') ?? 'application/octet-stream';
      if (req.method === 'PUT') {
        const size = op === 'put' ? Number(q.get('size')) : body.length;
        if (!flaws.ignoresType && req.headers['content-type'] !== mimeType) return answer(403);
        if (!flaws.ignoresSize && body.length !== size) {
          if (flaws.keepsPartial) objects.set(key, { bytes: body.subarray(0, size), mimeType });
          return answer(body.length > size ? 413 : 400);
        }
        objects.set(key, { bytes: body, mimeType });
        return answer(200);
      }
      const object = objects.get(key);
      if (!object) return answer(404);
      return answer(200, {
        'content-type': mimeType,
        'content-length': object.bytes.length,
        'content-disposition': contentDisposition(q.get('name') ?? 'file', q.get('inline') === '1'),
        'cache-control': 'private, max-age=60',
        ...(flaws.noNosniff ? {} : { 'x-content-type-options': 'nosniff' }),
      }, object.bytes);
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const store: BlobStore = {
    kind: 'small',
    async presignUpload(key, spec) {
      checkBlobKey(key);
      checkUploadSpec(spec);
      const expiresAt = Date.now() + spec.expiresInSeconds * 1000;
      const sig = sign(['put', key, spec.size, spec.mimeType, expiresAt]);
      const query = new URLSearchParams({ op: 'put', size: String(spec.size), type: spec.mimeType, exp: String(expiresAt), sig });
      return { url: `${origin}/${key}?${query}`, method: 'PUT', headers: { 'Content-Type': spec.mimeType }, expiresAt };
    },
    async presignDownload(key, spec) {
      checkBlobKey(key);
      checkDownloadSpec(spec);
      const expiresAt = Date.now() + spec.expiresInSeconds * 1000;
      const inline = spec.inline ? '1' : '0';
      const sig = sign(['get', key, expiresAt, spec.filename, spec.mimeType, inline]);
      const query = new URLSearchParams({ op: 'get', name: spec.filename, type: spec.mimeType, inline, exp: String(expiresAt), sig });
      return { url: `${origin}/${key}?${query}`, expiresAt };
    },
    async stat(key) {
      checkBlobKey(key);
      const object = objects.get(key);
      return object ? { size: object.bytes.length, mimeType: object.mimeType } : null;
    },
    async delete(key) {
      checkBlobKey(key);
      objects.delete(key);
    },
  };
  return {
    store,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
}

/** The disk store on a real server; `now` replaces its clock (a broken one, for a defect). */
async function diskStore(now?: () => number): Promise<Opened> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-blob-defects-'));
  const mounted: { store?: DiskBlobStore } = {};
  const server = createServer((req, res) => void mounted.store?.handle(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const store = createDiskBlobStore({ dir, secret: randomBytes(32), publicUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/b`, now });
  mounted.store = store;
  return {
    store,
    close: async () => {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Wrap = (inner: BlobStore) => BlobStore;

/** The disk store with one API-level bug wrapped around it. */
const disk = (wrap: Wrap) => async (): Promise<Opened> => {
  const opened = await diskStore();
  return { ...opened, store: wrap(opened.store) };
};

/** Makes bad keys "safe" instead of refusing them (and so stores under a key nobody asked for). */
const escapesKeys: Wrap = (inner) => {
  const clean = (key: string) => key.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/\/{2,}/g, '/').replace(/^[/.]+|\/+$/g, '') || 'empty';
  return {
    ...inner,
    presignUpload: (key, spec) => inner.presignUpload(clean(key), spec),
    presignDownload: (key, spec) => inner.presignDownload(clean(key), spec),
    stat: (key) => inner.stat(clean(key)),
    delete: (key) => inner.delete(clean(key)),
  };
};

/** Repairs bad specs instead of refusing them. */
const acceptsAnySpec: Wrap = (inner) => {
  const firstLine = (mimeType: string) => mimeType.split(/[\r\n]/)[0] || 'application/octet-stream';
  const seconds = (n: number) => Math.min(Math.max(n, 1), 604_800);
  return {
    ...inner,
    presignUpload: (key, spec) =>
      inner.presignUpload(key, { size: Math.max(0, Math.round(spec.size || 0)), mimeType: firstLine(spec.mimeType), expiresInSeconds: seconds(spec.expiresInSeconds) }),
    presignDownload: (key, spec) =>
      inner.presignDownload(key, { filename: spec.filename || 'file', mimeType: firstLine(spec.mimeType), inline: false, expiresInSeconds: seconds(spec.expiresInSeconds) }),
  };
};

/** Each defect, the check (by the start of its name) that must fail, and what its failure says. */
const defects: Array<{ name: string; check: string; shows: RegExp; open: () => Promise<Opened> }> = [
  { name: 'ignores the size', check: 'a body longer than signed', shows: /101 bytes on a 100-byte URL/, open: () => smallStore({ ignoresSize: true }) },
  { name: 'keeps a short body in place', check: 'a body shorter than signed', shows: /to be null/, open: () => smallStore({ keepsPartial: true }) },
  { name: 'ignores the Content-Type', check: 'an upload with another Content-Type', shows: /text\/html on an image\/png URL/, open: () => smallStore({ ignoresType: true }) },
  { name: 'never expires an upload URL', check: 'an upload URL past its expiry', shows: /an expired upload URL/, open: () => smallStore({ ignoresExpiry: true }) },
  { name: 'never expires a download URL', check: 'a download URL past its expiry', shows: /an expired download URL/, open: () => smallStore({ ignoresExpiry: true }) },
  {
    name: 'checks expiry on a stuck clock (the disk store, frozen)',
    check: 'an upload URL past its expiry',
    shows: /an expired upload URL/,
    open: () => {
      const frozen = Date.now();
      return diskStore(() => frozen);
    },
  },
  { name: 'compares a signature prefix only', check: 'an upload URL is refused with another key', shows: /sig changed/, open: () => smallStore({ comparesSignaturePrefix: true }) },
  { name: 'takes unsigned uploads', check: 'an upload URL is refused with another key', shows: /without its query/, open: () => smallStore({ writableWithoutSignature: true }) },
  { name: 'does not bind the method', check: 'a URL works only for the method', shows: /GET on an upload URL/, open: () => smallStore({ methodUnbound: true }) },
  { name: 'sends no nosniff', check: 'an upload is stored as signed', shows: /nosniff/, open: () => smallStore({ noNosniff: true }) },
  { name: 'escapes bad keys instead of refusing them', check: 'bad keys are refused', shows: /presignUpload\(""\)/, open: disk(escapesKeys) },
  { name: 'repairs bad specs instead of refusing them', check: 'bad upload and download specs', shows: /size -1/, open: disk(acceptsAnySpec) },
  {
    name: 'serves images inline whatever is asked',
    check: 'a download is inline only when asked',
    shows: /attachment/,
    open: disk((inner) => ({ ...inner, presignDownload: (key, spec) => inner.presignDownload(key, { ...spec, inline: spec.inline || spec.mimeType.startsWith('image/') }) })),
  },
  {
    name: 'drops non-ASCII characters from file names',
    check: 'a file name with accents',
    shows: /résumé/,
    open: disk((inner) => ({ ...inner, presignDownload: (key, spec) => inner.presignDownload(key, { ...spec, filename: spec.filename.replace(/[^\x20-\x7e]/g, '') }) })),
  },
  {
    name: 'reports every object as application/octet-stream',
    check: 'an upload is stored as signed',
    shows: /to deeply equal/,
    open: disk((inner) => ({ ...inner, stat: async (key) => { const got = await inner.stat(key); return got && { ...got, mimeType: 'application/octet-stream' }; } })),
  },
  {
    name: 'throws on deleting a missing key',
    check: 'deleting a key that never existed',
    shows: /NoSuchKey/,
    open: disk((inner) => ({ ...inner, delete: async (key) => { if (!(await inner.stat(key))) throw new Error('NoSuchKey'); await inner.delete(key); } })),
  },
  {
    name: 'forgets a deleted key but keeps its bytes',
    check: 'delete removes the object',
    shows: /after delete/,
    open: disk((inner) => {
      const deleted = new Set<string>();
      return { ...inner, stat: async (key) => (deleted.has(key) ? null : inner.stat(key)), delete: async (key) => void deleted.add(key) };
    }),
  },
  {
    name: 'keeps the first upload of a key',
    check: 'an upload replaces the object',
    shows: /image\/webp/,
    open: disk((inner) => ({ ...inner, presignUpload: async (key, spec) => inner.presignUpload((await inner.stat(key)) ? `${key}.ignored` : key, spec) })),
  },
];

describe('blob store conformance kit', { timeout: 60_000 }, () => {
  let opened: { close: () => Promise<void> } | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('every check passes on the small correct store (the kit is not tied to the disk store)', async () => {
    const small = (opened = await smallStore());
    for (const check of blobChecks) await check.run({ store: small.store, nosniff: true });
  });

  it.each(defects)('a store that $name fails "$check…"', async ({ check: prefix, shows, open }) => {
    const check = blobChecks.find((c) => c.name.startsWith(prefix));
    expect(check, prefix).toBeDefined();
    const made = (opened = await open());
    // Failing for the defect's own reason, not any other.
    await expect(check!.run({ store: made.store, nosniff: true })).rejects.toThrow(shows);
  });
});
