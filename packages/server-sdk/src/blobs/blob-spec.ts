import { ErrorCode, ParleyError } from '@parley/protocol';
import type { BlobDownloadSpec, BlobUploadSpec } from './types.js';

/** Longest key a store accepts, in characters (S3's own limit is 1024 bytes; keys are ASCII). */
export const MAX_BLOB_KEY_LENGTH = 1024;
/** Longest validity of a signed URL: 7 days, the most an S3 SigV4 pre-signed URL can have. */
export const MAX_BLOB_URL_SECONDS = 7 * 24 * 3600;

const SEGMENT = /^[A-Za-z0-9._-]+$/;
const TOKEN = "[A-Za-z0-9!#$&^_.+-]+";
const MIME_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);
/** Types a browser runs or renders as a document: never served `inline`, whatever the caller asks. */
const ACTIVE_TYPE = /^(?:text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|[^/]+\/[^;]*\+xml|text\/javascript|application\/javascript|application\/ecmascript|text\/ecmascript)\s*(?:;|$)/i;

function bad(message: string): ParleyError {
  return new ParleyError(ErrorCode.BAD_FRAME, message);
}

/**
 * Throws unless `key` is a blob key: segments of `[A-Za-z0-9._-]` joined by `/`, no empty
 * segment, no `.` or `..` segment, no leading or trailing `/`, at most 1024 characters.
 *
 * @example
 * checkBlobKey('a/c-123/att-9'); // fine
 * checkBlobKey('../etc/passwd'); // throws ParleyError(BAD_FRAME)
 */
export function checkBlobKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_BLOB_KEY_LENGTH) {
    throw bad(`blob key must be 1 to ${MAX_BLOB_KEY_LENGTH} characters`);
  }
  for (const segment of key.split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw bad(`bad blob key ${JSON.stringify(key.slice(0, 100))}: segments of [A-Za-z0-9._-] joined by "/", no "." or ".."`);
    }
  }
}

function checkMimeType(mimeType: unknown): asserts mimeType is string {
  if (typeof mimeType !== 'string' || mimeType.length > 255 || !MIME_TYPE.test(mimeType)) {
    throw bad(`bad MIME type ${JSON.stringify(String(mimeType).slice(0, 100))}: expected type/subtype with optional parameters`);
  }
}

function checkExpiry(seconds: unknown): asserts seconds is number {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_BLOB_URL_SECONDS) {
    throw bad(`expiresInSeconds must be a whole number of seconds from 1 to ${MAX_BLOB_URL_SECONDS}`);
  }
}

/** Throws unless `spec` is a valid upload: exact non-negative size, a MIME type, a sane expiry. */
export function checkUploadSpec(spec: BlobUploadSpec): void {
  if (typeof spec?.size !== 'number' || !Number.isSafeInteger(spec.size) || spec.size < 0) {
    throw bad('upload size must be a whole number of bytes, 0 or more');
  }
  checkMimeType(spec.mimeType);
  checkExpiry(spec.expiresInSeconds);
}

/**
 * Throws unless `spec` is a valid download. `inline` is refused for types a browser would run or
 * render as a page (HTML, SVG, XML, JavaScript): those are only ever offered as attachments.
 */
export function checkDownloadSpec(spec: BlobDownloadSpec): void {
  if (typeof spec?.filename !== 'string' || spec.filename.length === 0 || spec.filename.length > 1024) {
    throw bad('download filename must be 1 to 1024 characters');
  }
  checkMimeType(spec.mimeType);
  if (typeof spec.inline !== 'boolean') throw bad('download inline must be a boolean');
  if (spec.inline && ACTIVE_TYPE.test(spec.mimeType)) {
    throw bad(`${spec.mimeType} is never served inline (it would run in the page's origin): offer it as an attachment`);
  }
  checkExpiry(spec.expiresInSeconds);
}

/**
 * A `Content-Disposition` value (RFC 6266): `attachment` or `inline`, an ASCII `filename` for
 * old clients (other characters, quotes, backslashes and controls become `_`) and, when the name
 * is not plain ASCII, `filename*` with the exact name in UTF-8.
 *
 * @example
 * contentDisposition('résumé.pdf', false);
 * // attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf
 */
export function contentDisposition(filename: string, inline: boolean): string {
  const name = filename.replace(/\p{Cs}/gu, '\uFFFD');
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const kind = inline ? 'inline' : 'attachment';
  if (ascii === name) return `${kind}; filename="${ascii}"`;
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeRfc5987(name)}`;
}

function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
