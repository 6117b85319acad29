import type * as ClientS3 from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type * as Presigner from '@aws-sdk/s3-request-presigner';
import { ErrorCode, ParleyError } from '@parley/protocol';
import { requirePeer } from '../optional-peer.js';
import { checkBlobKey, checkDownloadSpec, checkUploadSpec, contentDisposition } from './blob-spec.js';
import type { BlobStore } from './types.js';

export interface S3BlobStoreOptions {
  /** Your own `S3Client` (region, credentials, endpoint, `forcePathStyle` for S3-compatible servers). Never closed by the store. */
  client: S3Client;
  bucket: string;
  /** Put before every key (`parley/` keeps Parley's objects apart in a shared bucket). */
  keyPrefix?: string;
  /**
   * The origin (and optional path prefix) of a CDN in front of the bucket: download URLs keep
   * their path and signed query but point there. The CDN must pass the query string through
   * unchanged, reach the bucket with the bucket's own `Host` (the signature covers it), and is
   * the place to add `X-Content-Type-Options: nosniff` (S3 itself cannot set it on a signed GET).
   */
  publicUrl?: string;
}

/** Extra SigV4 headers to sign on an upload: S3 then refuses a body of another length or type. */
const UPLOAD_SIGNED_HEADERS = new Set(['content-length', 'content-type']);

/**
 * A `BlobStore` on Amazon S3 or an S3-compatible server (MinIO, SeaweedFS, R2, …), through your
 * own `S3Client` (`@aws-sdk/client-s3` and `@aws-sdk/s3-request-presigner` are optional peer
 * dependencies). Upload URLs are SigV4 pre-signed `PutObject`s with the length and type signed;
 * download URLs are pre-signed `GetObject`s that make S3 answer with the given
 * `Content-Disposition`, `Content-Type` and a private `Cache-Control`. S3 sends no `nosniff`:
 * add it at your CDN (see `publicUrl`) or serve the bucket from an origin apart from the app's.
 *
 * @example
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { createS3BlobStore } from '@parley/server-sdk/s3';
 *
 * const blobs = createS3BlobStore({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'chat-media', keyPrefix: 'parley/' });
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const s3 = requirePeer<typeof ClientS3>('@aws-sdk/client-s3', 'The S3 blob store', '^3.1000');
  const { getSignedUrl } = requirePeer<typeof Presigner>('@aws-sdk/s3-request-presigner', 'The S3 blob store', '^3.1000');
  const { client, bucket } = options;
  if (typeof bucket !== 'string' || bucket.length === 0) throw new TypeError('s3 blob store: bucket is required');
  const keyPrefix = options.keyPrefix ?? '';
  if (keyPrefix !== '') {
    try {
      checkBlobKey(`${keyPrefix}x`);
    } catch {
      throw new TypeError(`s3 blob store: keyPrefix ${JSON.stringify(keyPrefix)} must be made of blob key characters ([A-Za-z0-9._-] and /)`);
    }
  }
  const cdn = options.publicUrl === undefined ? null : cdnBase(options.publicUrl);
  const objectKey = (key: string) => {
    checkBlobKey(key);
    return `${keyPrefix}${key}`;
  };
  /** SigV4 dates are whole seconds: sign at the second so `expiresAt` is exactly when S3 stops. */
  const signingNow = () => Math.floor(Date.now() / 1000) * 1000;

  return {
    kind: 's3',
    async presignUpload(key, spec) {
      const Key = objectKey(key);
      checkUploadSpec(spec);
      const command = new s3.PutObjectCommand({ Bucket: bucket, Key, ContentLength: spec.size, ContentType: spec.mimeType });
      // The SDK's default checksum of a presigned request is that of its empty body, which S3
      // would then hold the upload to: the length and type are what bind the bytes here.
      command.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
          for (const name of Object.keys(headers)) if (/^x-amz-(checksum-|sdk-checksum-algorithm$)/i.test(name)) delete headers[name];
          return next(args);
        },
        { step: 'build', priority: 'low', name: 'parleyPresignWithoutChecksum' },
      );
      const signedAt = signingNow();
      const url = await storage(() =>
        getSignedUrl(client, command, { expiresIn: spec.expiresInSeconds, signingDate: new Date(signedAt), signableHeaders: UPLOAD_SIGNED_HEADERS }),
      );
      return { url, method: 'PUT', headers: { 'Content-Type': spec.mimeType }, expiresAt: signedAt + spec.expiresInSeconds * 1000 };
    },
    async presignDownload(key, spec) {
      const Key = objectKey(key);
      checkDownloadSpec(spec);
      const command = new s3.GetObjectCommand({
        Bucket: bucket,
        Key,
        ResponseContentDisposition: contentDisposition(spec.filename, spec.inline),
        ResponseContentType: spec.mimeType,
        ResponseCacheControl: `private, max-age=${spec.expiresInSeconds}`,
      });
      const signedAt = signingNow();
      const url = await storage(() => getSignedUrl(client, command, { expiresIn: spec.expiresInSeconds, signingDate: new Date(signedAt) }));
      return { url: cdn ? cdn(url) : url, expiresAt: signedAt + spec.expiresInSeconds * 1000 };
    },
    async stat(key) {
      const Key = objectKey(key);
      try {
        const head = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key }));
        return { size: head.ContentLength ?? 0, mimeType: head.ContentType ?? 'application/octet-stream' };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw unavailable(err);
      }
    },
    async delete(key) {
      const Key = objectKey(key);
      await storage(() => client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key })));
    },
  };
}

async function storage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw unavailable(err);
  }
}

function unavailable(err: unknown): ParleyError {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new ParleyError(ErrorCode.UNAVAILABLE, `S3: ${message}`, { cause: err });
}

function isNotFound(err: unknown): boolean {
  const { name, $metadata } = (err ?? {}) as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
}

/** Rewrites a signed URL's origin to the CDN's (keeping its path and query). */
function cdnBase(publicUrl: string): (signed: string) => string {
  let base: URL;
  try {
    base = new URL(publicUrl);
  } catch {
    throw new TypeError(`s3 blob store: publicUrl ${JSON.stringify(publicUrl)} is not an absolute URL`);
  }
  if ((base.protocol !== 'https:' && base.protocol !== 'http:') || base.search !== '' || base.hash !== '') {
    throw new TypeError(`s3 blob store: publicUrl must be an http(s) origin with an optional path, no query (got ${JSON.stringify(publicUrl)})`);
  }
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  return (signed) => {
    const url = new URL(signed);
    return `${prefix}${url.pathname}${url.search}`;
  };
}
