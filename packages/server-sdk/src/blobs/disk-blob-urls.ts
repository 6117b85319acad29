import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The disk store's signed URLs: `<publicUrl>/<key>?<params>&sig=<HMAC-SHA256>`. The signature
 * covers the operation and every parameter that shapes the answer, as one JSON array, so no
 * parameter can be moved, dropped or reinterpreted without breaking it.
 */
export type SignedUpload = { op: 'put'; key: string; size: number; mimeType: string; expiresAt: number };
export type SignedDownload = { op: 'get'; key: string; filename: string; mimeType: string; inline: boolean; expiresAt: number };
export type Signed = SignedUpload | SignedDownload;

const VERSION = 'parley-blob-v1';

function canonical(signed: Signed): string {
  return signed.op === 'put'
    ? JSON.stringify([VERSION, 'put', signed.key, signed.size, signed.mimeType, signed.expiresAt])
    : JSON.stringify([VERSION, 'get', signed.key, signed.expiresAt, signed.filename, signed.mimeType, signed.inline]);
}

function mac(secret: Buffer, signed: Signed): Buffer {
  return createHmac('sha256', secret).update(canonical(signed)).digest();
}

/** The query string (without `?`) of a signed URL for `signed`. */
export function signedQuery(secret: Buffer, signed: Signed): string {
  const params = new URLSearchParams({ op: signed.op });
  if (signed.op === 'put') {
    params.set('size', String(signed.size));
    params.set('type', signed.mimeType);
  } else {
    params.set('name', signed.filename);
    params.set('type', signed.mimeType);
    params.set('inline', signed.inline ? '1' : '0');
  }
  params.set('exp', String(signed.expiresAt));
  params.set('sig', mac(secret, signed).toString('base64url'));
  return params.toString();
}

/**
 * What a request's query was signed for, or null when it was not signed by `secret` (missing,
 * repeated or changed parameters, another key). Expiry is the caller's to check.
 */
export function verifyQuery(secret: Buffer, key: string, params: URLSearchParams): Signed | null {
  const one = (name: string): string | null => {
    const all = params.getAll(name);
    return all.length === 1 ? (all[0] ?? null) : null;
  };
  const op = one('op');
  const expiresAt = wholeNumber(one('exp'));
  const mimeType = one('type');
  const sig = one('sig');
  if (expiresAt === null || mimeType === null || sig === null || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return null;
  let signed: Signed;
  if (op === 'put') {
    const size = wholeNumber(one('size'));
    if (size === null) return null;
    signed = { op, key, size, mimeType, expiresAt };
  } else if (op === 'get') {
    const filename = one('name');
    const inline = one('inline');
    if (filename === null || (inline !== '0' && inline !== '1')) return null;
    signed = { op, key, filename, mimeType, inline: inline === '1', expiresAt };
  } else {
    return null;
  }
  // Compared as text: base64url's last character has spare bits, so decoding first would accept
  // a changed last character.
  const given = Buffer.from(sig, 'latin1');
  const expected = Buffer.from(mac(secret, signed).toString('base64url'), 'latin1');
  return given.length === expected.length && timingSafeEqual(given, expected) ? signed : null;
}

function wholeNumber(text: string | null): number | null {
  if (text === null || !/^\d{1,16}$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
