import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { isParleyError } from '@parley/protocol';
import type { BlobStore, PresignedUpload } from '../blobs/types.js';

/** What a blob check runs against: the store, and what its downloads promise beyond the contract. */
export interface BlobCheckContext {
  readonly store: BlobStore;
  /** The store's download answers carry `X-Content-Type-Options: nosniff`. */
  readonly nosniff: boolean;
}

/**
 * One blob store conformance check, runnable on its own against a fresh store: the suite
 * registers each as a test, and the kit's own tests run them against broken stores.
 */
export interface BlobCheck {
  name: string;
  run(ctx: BlobCheckContext): Promise<void>;
}

/** A key no other check, run or process has used: stores behind a shared bucket keep old objects. */
export function freshKey(tag: string): string {
  return `conformance/${tag}-${randomBytes(6).toString('hex')}`;
}

/** `length` bytes cycling through all 256 values from `seed`: binary, and different per seed. */
export function bytesOf(length: number, seed = 0): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, i) => (i + seed) % 256);
}

/** PUTs `body` to a presigned upload with its headers (changed by `headers`, `null` drops one). */
export function put(upload: PresignedUpload, body: Uint8Array<ArrayBuffer>, headers: Record<string, string | null> = {}, url = upload.url): Promise<Response> {
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...upload.headers, ...headers })) {
    const existing = Object.keys(sent).find((n) => n.toLowerCase() === name.toLowerCase());
    if (existing) delete sent[existing];
    if (value !== null) sent[name] = value;
  }
  return fetch(url, { method: upload.method, headers: sent, body });
}

/** Presigns and PUTs `body` as `mimeType`; fails the check unless the storage took it. */
export async function upload(store: BlobStore, key: string, body: Uint8Array<ArrayBuffer>, mimeType = 'application/octet-stream'): Promise<void> {
  const signed = await store.presignUpload(key, { size: body.byteLength, mimeType, expiresInSeconds: 60 });
  const res = await put(signed, body);
  expect(res.ok, `upload of ${key} answered ${res.status}: ${await res.text()}`).toBe(true);
}

/**
 * Whether the storage refused a request: a 4xx answer, or the connection cut (a store may stop
 * reading a body that runs past its signed size). Its body is read so the connection is freed.
 */
export async function refused(request: Promise<Response>): Promise<{ refused: boolean; status: number | 'cut' }> {
  let res: Response;
  try {
    res = await request;
  } catch {
    return { refused: true, status: 'cut' };
  }
  await res.arrayBuffer().catch(() => undefined);
  return { refused: res.status >= 400 && res.status < 500, status: res.status };
}

export async function expectRefused(what: string, request: Promise<Response>): Promise<void> {
  const outcome = await refused(request);
  expect(outcome.refused, `${what}: expected a refusal (4xx or a cut connection), got ${outcome.status}`).toBe(true);
}

/** Downloads `key` as `filename`; fails the check unless the answer is 200. */
export async function download(store: BlobStore, key: string, spec: { filename?: string; mimeType?: string; inline?: boolean } = {}): Promise<{ res: Response; bytes: Uint8Array }> {
  const { url } = await store.presignDownload(key, {
    filename: spec.filename ?? 'file.bin',
    mimeType: spec.mimeType ?? 'application/octet-stream',
    inline: spec.inline ?? false,
    expiresInSeconds: 60,
  });
  const res = await fetch(url);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(res.status, `download of ${key}`).toBe(200);
  return { res, bytes };
}

/**
 * Waits until the wall clock is past `expiresAt` (plus a second: storages compare whole seconds),
 * polling the clock: a condition, not a fixed sleep.
 */
export async function untilPast(expiresAt: number): Promise<void> {
  const target = expiresAt + 1000;
  while (Date.now() <= target) await new Promise((done) => setTimeout(done, Math.min(100, target - Date.now() + 1)));
}

/** Expects `call` to reject with a ParleyError (bad input is refused, typed, before any I/O). */
export async function expectBadInput(what: string, call: () => Promise<unknown>): Promise<void> {
  let outcome: unknown = 'resolved';
  try {
    await call();
  } catch (err) {
    outcome = err;
  }
  expect(isParleyError(outcome), `${what}: expected a ParleyError, got ${outcome instanceof Error ? outcome.message : String(outcome)}`).toBe(true);
}

/** The parts of a `Content-Disposition` value: its type and its `filename` / `filename*` parameters. */
export function parseDisposition(value: string | null): { kind: string; filename?: string; filenameStar?: string } {
  expect(value, 'Content-Disposition').toBeTypeOf('string');
  const text = value as string;
  const kind = text.split(';')[0]!.trim().toLowerCase();
  const out: { kind: string; filename?: string; filenameStar?: string } = { kind };
  const param = /;\s*([A-Za-z*]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/g;
  for (let match = param.exec(text); match; match = param.exec(text)) {
    const name = match[1]!.toLowerCase();
    const raw = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2]!.trim();
    if (name === 'filename') out.filename = raw;
    if (name === 'filename*') {
      const star = /^UTF-8''(.*)$/i.exec(raw);
      expect(star, `filename* must be UTF-8'': ${raw}`).not.toBeNull();
      out.filenameStar = decodeURIComponent(star![1]!);
    }
  }
  return out;
}

/**
 * `url` with the last character of one query parameter's raw value changed, the rest of the URL
 * byte for byte as signed (re-encoding the query could be what a store refuses instead).
 */
export function withChangedParam(url: string, name: string): string {
  const at = url.indexOf('?');
  const parts = url.slice(at + 1).split('&');
  const index = parts.findIndex((part) => decodeURIComponent(part.split('=')[0]!) === name);
  const part = parts[index]!;
  const last = part.slice(-1);
  const other = /\d/.test(last) ? String((Number(last) + 1) % 10) : last === 'A' ? 'B' : last === 'a' ? 'b' : 'A';
  parts[index] = `${part.slice(0, -1)}${other}`;
  return `${url.slice(0, at)}?${parts.join('&')}`;
}

/** The names of `url`'s query parameters. */
export function paramNames(url: string): string[] {
  return [...new URL(url).searchParams.keys()];
}
