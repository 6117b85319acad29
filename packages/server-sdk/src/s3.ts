/**
 * `@parley/server-sdk/s3`: the blob store for attachments on Amazon S3 or an S3-compatible server,
 * on your own `S3Client` (`@aws-sdk/client-s3` and `@aws-sdk/s3-request-presigner` are optional
 * peer dependencies).
 *
 * @example
 * import { S3Client } from '@aws-sdk/client-s3';
 * import { createS3BlobStore } from '@parley/server-sdk/s3';
 *
 * const blobs = createS3BlobStore({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'chat-media' });
 */
export { createS3BlobStore, type S3BlobStoreOptions } from './blobs/s3-blob-store.js';
export type { BlobStore, BlobStat, BlobUploadSpec, BlobDownloadSpec, PresignedUpload, PresignedDownload } from './blobs/types.js';
