import * as v from 'valibot';
import { Id, Timestamp } from '../primitives.js';
import { Attachment, AttachmentSpec } from '../attachment.js';
import { Limits } from '../limits.js';

/**
 * UPLOAD (client → server): a slot to upload one file for a message of `conversationId`. The
 * server checks membership, size, type and the user's quota, and answers `upload.result`.
 * With `attachmentId` (an earlier slot of this user's that no message holds yet) it renews that
 * slot's URL instead, for an upload cut by a reload or going offline; the spec must not change.
 */
export const UploadFrame = v.strictObject({
  type: v.literal('upload'),
  reqId: Id,
  conversationId: Id,
  attachmentId: v.optional(Id),
  file: AttachmentSpec,
});
export type UploadFrame = v.InferOutput<typeof UploadFrame>;

/**
 * Where to PUT the bytes: the URL, the headers to send with them, and when the URL stops working.
 * `uploaded` says the object is already stored as declared (a renewed slot whose upload had
 * finished): no PUT is needed.
 */
export const UploadTarget = v.strictObject({
  url: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)),
  method: v.literal('PUT'),
  headers: v.record(v.pipe(v.string(), v.maxLength(256)), v.pipe(v.string(), v.maxLength(4096))),
  expiresAt: Timestamp,
  uploaded: v.boolean(),
});
export type UploadTarget = v.InferOutput<typeof UploadTarget>;

export const UploadResultFrame = v.strictObject({
  type: v.literal('upload.result'),
  reqId: Id,
  attachment: Attachment,
  upload: UploadTarget,
});
export type UploadResultFrame = v.InferOutput<typeof UploadResultFrame>;

/**
 * ATTACHMENTS.URLS (client → server): short-lived download URLs for attachments of
 * `conversationId`. Only members get them, and only for attachments of messages they may see;
 * anything else is NOT_FOUND, the same answer as for an id that never existed.
 */
export const AttachmentUrlsFrame = v.strictObject({
  type: v.literal('attachments.urls'),
  reqId: Id,
  conversationId: Id,
  attachmentIds: v.pipe(v.array(Id), v.minLength(1), v.maxLength(Limits.maxAttachmentUrlsPerRequest)),
});
export type AttachmentUrlsFrame = v.InferOutput<typeof AttachmentUrlsFrame>;

export const AttachmentUrl = v.strictObject({
  attachmentId: Id,
  url: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)),
  expiresAt: Timestamp,
});
export type AttachmentUrl = v.InferOutput<typeof AttachmentUrl>;

export const AttachmentUrlsResultFrame = v.strictObject({
  type: v.literal('attachments.urls.result'),
  reqId: Id,
  urls: v.array(AttachmentUrl),
});
export type AttachmentUrlsResultFrame = v.InferOutput<typeof AttachmentUrlsResultFrame>;
