import { expect } from 'vitest';
import {
  bytesOf,
  download,
  expectBadInput,
  expectRefused,
  freshKey,
  paramNames,
  parseDisposition,
  put,
  untilPast,
  upload,
  withChangedParam,
  type BlobCheck,
} from './blob-fixtures.js';

const sameBytes = (got: Uint8Array, want: Uint8Array) => expect(Buffer.from(got).equals(Buffer.from(want)), `bytes: got ${got.byteLength}, want ${want.byteLength}`).toBe(true);

/** What a client does and sees with signed URLs: uploads, downloads, their headers. */
export const blobTransferChecks: readonly BlobCheck[] = [
  {
    name: 'an upload is stored as signed: stat gives its size and type, a download its bytes, type, attachment name and private caching',
    async run({ store, nosniff }) {
      const key = freshKey('roundtrip');
      const body = bytesOf(1000, 7);
      const signed = await store.presignUpload(key, { size: 1000, mimeType: 'application/pdf', expiresInSeconds: 60 });
      expect(signed.method).toBe('PUT');
      expect(Object.entries(signed.headers).some(([name, value]) => name.toLowerCase() === 'content-type' && value === 'application/pdf')).toBe(true);
      expect(signed.expiresAt).toBeGreaterThan(Date.now());
      expect(signed.expiresAt).toBeLessThanOrEqual(Date.now() + 61_000);
      const res = await put(signed, body);
      expect(res.ok, `upload answered ${res.status}`).toBe(true);
      await res.arrayBuffer();
      expect(await store.stat(key)).toEqual({ size: 1000, mimeType: 'application/pdf' });
      const got = await download(store, key, { filename: 'report.pdf', mimeType: 'application/pdf' });
      sameBytes(got.bytes, body);
      expect(got.res.headers.get('content-type')).toMatch(/^application\/pdf\b/);
      expect(got.res.headers.get('content-length')).toBe('1000');
      expect(parseDisposition(got.res.headers.get('content-disposition'))).toMatchObject({ kind: 'attachment', filename: 'report.pdf' });
      expect(got.res.headers.get('cache-control') ?? '').toMatch(/\bprivate\b/);
      if (nosniff) expect(got.res.headers.get('x-content-type-options')).toBe('nosniff');
    },
  },
  {
    name: 'a download is inline only when asked, and an attachment otherwise',
    async run({ store }) {
      const key = freshKey('inline');
      await upload(store, key, bytesOf(64), 'image/png');
      const inline = await download(store, key, { filename: 'cat.png', mimeType: 'image/png', inline: true });
      expect(parseDisposition(inline.res.headers.get('content-disposition'))).toMatchObject({ kind: 'inline', filename: 'cat.png' });
      const attached = await download(store, key, { filename: 'cat.png', mimeType: 'image/png', inline: false });
      expect(parseDisposition(attached.res.headers.get('content-disposition'))).toMatchObject({ kind: 'attachment', filename: 'cat.png' });
    },
  },
  {
    name: 'a file name with accents, emoji, quotes and a semicolon arrives exactly (filename*) with an ASCII fallback',
    async run({ store }) {
      const key = freshKey('name');
      await upload(store, key, bytesOf(10), 'text/plain');
      const filename = 'résumé "final"; 📄 v2.txt';
      const { res } = await download(store, key, { filename, mimeType: 'text/plain' });
      const parsed = parseDisposition(res.headers.get('content-disposition'));
      expect(parsed.kind).toBe('attachment');
      expect(parsed.filenameStar).toBe(filename);
      if (parsed.filename !== undefined) expect(parsed.filename).toMatch(/^[\x20-\x7e]*$/);
    },
  },
  {
    name: 'an empty file (0 bytes) uploads, stats and downloads',
    async run({ store }) {
      const key = freshKey('empty');
      await upload(store, key, new Uint8Array(0), 'text/plain');
      expect(await store.stat(key)).toEqual({ size: 0, mimeType: 'text/plain' });
      expect((await download(store, key, { mimeType: 'text/plain' })).bytes.byteLength).toBe(0);
    },
  },
  {
    name: 'an upload replaces the object: the same URL again (a retry after a cut), then a new URL with another size and type',
    async run({ store }) {
      const key = freshKey('replace');
      const signed = await store.presignUpload(key, { size: 100, mimeType: 'image/jpeg', expiresInSeconds: 60 });
      expect((await put(signed, bytesOf(100, 1))).ok).toBe(true);
      const retry = await put(signed, bytesOf(100, 2));
      expect(retry.ok, `retry answered ${retry.status}`).toBe(true);
      sameBytes((await download(store, key)).bytes, bytesOf(100, 2));
      await upload(store, key, bytesOf(30, 3), 'image/webp');
      expect(await store.stat(key)).toEqual({ size: 30, mimeType: 'image/webp' });
      sameBytes((await download(store, key)).bytes, bytesOf(30, 3));
    },
  },
  {
    name: 'stat of a key never uploaded is null, and its download is refused',
    async run({ store }) {
      const key = freshKey('missing');
      expect(await store.stat(key)).toBeNull();
      const { url } = await store.presignDownload(key, { filename: 'x.bin', mimeType: 'application/octet-stream', inline: false, expiresInSeconds: 60 });
      await expectRefused('download of a missing key', fetch(url));
    },
  },
  {
    name: 'delete removes the object (stat null, downloads refused, even with a URL signed before); deleting again is fine',
    async run({ store }) {
      const key = freshKey('delete');
      await upload(store, key, bytesOf(50), 'text/plain');
      const before = await store.presignDownload(key, { filename: 'a.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 });
      await store.delete(key);
      expect(await store.stat(key)).toBeNull();
      await expectRefused('download after delete (URL signed before)', fetch(before.url));
      const after = await store.presignDownload(key, { filename: 'a.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 });
      await expectRefused('download after delete', fetch(after.url));
      await store.delete(key);
    },
  },
  {
    name: 'deleting a key that never existed is not an error',
    async run({ store }) {
      await store.delete(freshKey('never'));
    },
  },
];

/** Every way a signed URL must not be stretched: size, type, time, method, key, signature. */
export const blobRefusalChecks: readonly BlobCheck[] = [
  {
    name: 'a body longer than signed is refused and stores nothing, nor changes the object already there',
    async run({ store }) {
      const key = freshKey('longer');
      const signed = await store.presignUpload(key, { size: 100, mimeType: 'text/plain', expiresInSeconds: 60 });
      await expectRefused('101 bytes on a 100-byte URL', put(signed, bytesOf(101)));
      await expectRefused('100 kB on a 100-byte URL', put(signed, bytesOf(100_000)));
      expect(await store.stat(key)).toBeNull();
      await upload(store, key, bytesOf(20, 9), 'text/plain');
      const again = await store.presignUpload(key, { size: 100, mimeType: 'text/plain', expiresInSeconds: 60 });
      await expectRefused('101 bytes over an existing object', put(again, bytesOf(101)));
      expect(await store.stat(key)).toEqual({ size: 20, mimeType: 'text/plain' });
      sameBytes((await download(store, key)).bytes, bytesOf(20, 9));
    },
  },
  {
    name: 'a body shorter than signed is refused and stores nothing (no partial object), nor changes the object already there',
    async run({ store }) {
      const key = freshKey('shorter');
      const signed = await store.presignUpload(key, { size: 100, mimeType: 'text/plain', expiresInSeconds: 60 });
      await expectRefused('99 bytes on a 100-byte URL', put(signed, bytesOf(99)));
      await expectRefused('0 bytes on a 100-byte URL', put(signed, new Uint8Array(0)));
      expect(await store.stat(key)).toBeNull();
      await upload(store, key, bytesOf(20, 9), 'text/plain');
      const again = await store.presignUpload(key, { size: 100, mimeType: 'text/plain', expiresInSeconds: 60 });
      await expectRefused('99 bytes over an existing object', put(again, bytesOf(99)));
      expect(await store.stat(key)).toEqual({ size: 20, mimeType: 'text/plain' });
    },
  },
  {
    name: 'an upload with another Content-Type, or none, is refused',
    async run({ store }) {
      const key = freshKey('type');
      const signed = await store.presignUpload(key, { size: 10, mimeType: 'image/png', expiresInSeconds: 60 });
      await expectRefused('text/html on an image/png URL', put(signed, bytesOf(10), { 'content-type': 'text/html' }));
      await expectRefused('image/svg+xml on an image/png URL', put(signed, bytesOf(10), { 'content-type': 'image/svg+xml' }));
      await expectRefused('no Content-Type on an image/png URL', put(signed, bytesOf(10), { 'content-type': null }));
      expect(await store.stat(key)).toBeNull();
    },
  },
  {
    name: 'an upload URL past its expiry is refused',
    async run({ store }) {
      const key = freshKey('expired-up');
      const signed = await store.presignUpload(key, { size: 10, mimeType: 'text/plain', expiresInSeconds: 1 });
      expect(signed.expiresAt).toBeLessThanOrEqual(Date.now() + 1000);
      await untilPast(signed.expiresAt);
      await expectRefused('an expired upload URL', put(signed, bytesOf(10)));
      expect(await store.stat(key)).toBeNull();
    },
  },
  {
    name: 'a download URL past its expiry is refused',
    async run({ store }) {
      const key = freshKey('expired-down');
      await upload(store, key, bytesOf(10), 'text/plain');
      const { url, expiresAt } = await store.presignDownload(key, { filename: 'a.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 1 });
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 1000);
      await untilPast(expiresAt);
      await expectRefused('an expired download URL', fetch(url));
    },
  },
  {
    name: 'an upload URL is refused with another key, or any of its query parameters changed, or none',
    async run({ store }) {
      const key = freshKey('tamper-up');
      const other = freshKey('tamper-other');
      const signed = await store.presignUpload(key, { size: 10, mimeType: 'text/plain', expiresInSeconds: 60 });
      expect(signed.url).toContain(key);
      await expectRefused('the URL moved to another key', put(signed, bytesOf(10), {}, signed.url.replace(key, other)));
      for (const name of paramNames(signed.url)) {
        await expectRefused(`the URL with ${name} changed`, put(signed, bytesOf(10), {}, withChangedParam(signed.url, name)));
      }
      await expectRefused('the URL without its query (unsigned)', put(signed, bytesOf(10), {}, signed.url.split('?')[0]));
      expect(await store.stat(key)).toBeNull();
      expect(await store.stat(other)).toBeNull();
    },
  },
  {
    name: 'a download URL is refused with another key, or any of its query parameters changed, or none',
    async run({ store }) {
      const key = freshKey('tamper-down');
      const other = freshKey('tamper-other');
      await upload(store, key, bytesOf(10), 'text/plain');
      await upload(store, other, bytesOf(10), 'text/plain');
      const { url } = await store.presignDownload(key, { filename: 'a.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 });
      expect(url).toContain(key);
      await expectRefused('the URL moved to another key', fetch(url.replace(key, other)));
      for (const name of paramNames(url)) await expectRefused(`the URL with ${name} changed`, fetch(withChangedParam(url, name)));
      await expectRefused('the URL without its query (unsigned)', fetch(url.split('?')[0]!));
    },
  },
  {
    name: 'a URL works only for the method it was signed for: no download with an upload URL, no upload with a download URL',
    async run({ store }) {
      const key = freshKey('method');
      const signed = await store.presignUpload(key, { size: 10, mimeType: 'text/plain', expiresInSeconds: 60 });
      expect((await put(signed, bytesOf(10, 1))).ok).toBe(true);
      await expectRefused('GET on an upload URL', fetch(signed.url));
      const { url } = await store.presignDownload(key, { filename: 'a.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 });
      await expectRefused('PUT on a download URL', fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: bytesOf(10, 2) }));
      sameBytes((await download(store, key)).bytes, bytesOf(10, 1));
    },
  },
];

const BAD_KEYS = ['', '/a', 'a/', 'a//b', '..', '.', '../a', 'a/../b', 'a/./b', 'a b', 'a?b', 'a#b', 'a%2Fb', 'ä', 'a\\b', 'a\nb', 'a'.repeat(2000)];

/** Input the store must refuse with a ParleyError before touching storage. */
export const blobInputChecks: readonly BlobCheck[] = [
  {
    name: 'bad keys are refused by every method (ParleyError), and nothing is stored',
    async run({ store }) {
      for (const key of BAD_KEYS) {
        const shown = JSON.stringify(key.slice(0, 20));
        await expectBadInput(`presignUpload(${shown})`, () => store.presignUpload(key, { size: 1, mimeType: 'text/plain', expiresInSeconds: 60 }));
        await expectBadInput(`presignDownload(${shown})`, () => store.presignDownload(key, { filename: 'a', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 }));
        await expectBadInput(`stat(${shown})`, () => store.stat(key));
        await expectBadInput(`delete(${shown})`, () => store.delete(key));
      }
    },
  },
  {
    name: 'bad upload and download specs are refused (ParleyError): sizes, MIME types with header breaks, expiries, inline HTML or SVG',
    async run({ store }) {
      const key = freshKey('spec');
      const up = { size: 10, mimeType: 'text/plain', expiresInSeconds: 60 };
      for (const [what, spec] of [
        ['size -1', { ...up, size: -1 }],
        ['size 1.5', { ...up, size: 1.5 }],
        ['size NaN', { ...up, size: Number.NaN }],
        ['an empty MIME type', { ...up, mimeType: '' }],
        ['a MIME type with a header break', { ...up, mimeType: 'text/plain\r\nX-Injected: 1' }],
        ['expiry 0 s', { ...up, expiresInSeconds: 0 }],
        ['expiry over 7 days', { ...up, expiresInSeconds: 8 * 24 * 3600 }],
      ] as const) {
        await expectBadInput(`upload with ${what}`, () => store.presignUpload(key, spec));
      }
      const down = { filename: 'a.txt', mimeType: 'text/plain', inline: false, expiresInSeconds: 60 };
      for (const [what, spec] of [
        ['an empty filename', { ...down, filename: '' }],
        ['a MIME type with a header break', { ...down, mimeType: 'text/plain\r\nSet-Cookie: a=b' }],
        ['inline HTML', { ...down, mimeType: 'text/html', inline: true }],
        ['inline SVG', { ...down, mimeType: 'image/svg+xml', inline: true }],
        ['expiry 0 s', { ...down, expiresInSeconds: 0 }],
      ] as const) {
        await expectBadInput(`download with ${what}`, () => store.presignDownload(key, spec));
      }
      expect(await store.stat(key)).toBeNull();
    },
  },
];

export const blobChecks: readonly BlobCheck[] = [...blobTransferChecks, ...blobRefusalChecks, ...blobInputChecks];
