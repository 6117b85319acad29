/**
 * Where attachment bytes live. Parley never proxies bytes in production: it hands the client a
 * short-lived signed URL to upload to (`presignUpload`), checks the object before a message may
 * reference it (`stat`), hands members short-lived signed download URLs (`presignDownload`) and
 * deletes objects with their message (`delete`). One conformance suite
 * (`@parley/server-sdk/testing`, `runBlobStoreConformance`) runs against every adapter.
 *
 * Keys are chosen by Parley (`a/<conversation>/<attachment id>`: URL-safe, no `..`), never by a
 * client.
 */
export interface BlobStore {
  /** A short name for logs and metrics (`disk`, `s3`). */
  readonly kind: string;
  /**
   * A URL the client PUTs the bytes to, with the headers it must send. The signature binds the
   * key, the exact size and the MIME type: a body of another size or type, an expired URL or a
   * changed one is refused by the storage itself.
   */
  presignUpload(key: string, object: BlobUploadSpec): Promise<PresignedUpload>;
  /**
   * A URL that serves the object until `expiresAt`: `Content-Disposition` (`attachment` unless
   * `inline` is asked, with `filename`), `Content-Type` as given, and `X-Content-Type-Options:
   * nosniff` where the storage can set it (the disk store always; S3 through the CDN's rules).
   */
  presignDownload(key: string, options: BlobDownloadSpec): Promise<PresignedDownload>;
  /** The stored object's size and type, or null when there is none (never uploaded, deleted). */
  stat(key: string): Promise<BlobStat | null>;
  /** Deletes the object; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Releases what the store holds (timers, handles); never the app's own client. */
  close?(): Promise<void>;
}

export interface BlobUploadSpec {
  /** Exact byte length the upload must have. */
  readonly size: number;
  /** The MIME type the upload must declare (`Content-Type`). */
  readonly mimeType: string;
  /** How long the URL stays valid, in seconds. */
  readonly expiresInSeconds: number;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: 'PUT';
  /** Headers the client must send with the PUT (at least `Content-Type`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch ms after which the URL is refused. */
  readonly expiresAt: number;
}

export interface BlobDownloadSpec {
  /** The file name offered to the browser (`Content-Disposition`). */
  readonly filename: string;
  readonly mimeType: string;
  /** Shown in the page (`inline`) rather than downloaded; Parley asks it only for safe image types. */
  readonly inline: boolean;
  readonly expiresInSeconds: number;
}

export interface PresignedDownload {
  readonly url: string;
  readonly expiresAt: number;
}

export interface BlobStat {
  readonly size: number;
  /** The type the object was stored with, as the storage reports it. */
  readonly mimeType: string;
}
