import * as v from 'valibot';
import { Id, WellFormedString } from './primitives.js';
import { Limits } from './limits.js';

/**
 * A MIME type as `type/subtype` (lower case, no parameters): what the uploader declared and the
 * storage checked. The server keeps its own list of accepted types.
 */
export const MimeType = v.pipe(
  v.string(),
  v.maxLength(127),
  v.regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, 'a MIME type such as image/png (lower case, no parameters)'),
);

/** Path separators and control characters (C0 and DEL), which no file name shown to people needs. */
const isUnsafeInName = (char: string): boolean => {
  const code = char.charCodeAt(0);
  return char === '/' || char === '\\' || code < 0x20 || code === 0x7f;
};

/** A file name as shown to people: no path separators, no control characters. */
export const FileName = v.pipe(
  WellFormedString,
  v.minLength(1),
  v.maxLength(Limits.maxFileNameLength),
  v.check((name) => name !== '.' && name !== '..' && ![...name].some(isUnsafeInName), 'a file name without path separators or control characters'),
);

/** A tiny image preview shown while the image loads: a base64 `data:` URL of a PNG, JPEG or WebP. */
export const ImagePreview = v.pipe(
  v.string(),
  v.maxLength(Limits.maxPreviewLength),
  v.regex(/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/, 'a data:image/(png|jpeg|webp);base64 URL'),
);

const Dimension = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000));
const ByteSize = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Limits.maxAttachmentBytes));

/**
 * What an uploader declares about a file: its name, exact size and type, and for images the
 * width, height and a tiny preview so a list renders without layout shift.
 */
export const AttachmentSpec = v.strictObject({
  name: FileName,
  size: ByteSize,
  mimeType: MimeType,
  width: v.optional(Dimension),
  height: v.optional(Dimension),
  preview: v.optional(ImagePreview),
});
export type AttachmentSpec = v.InferOutput<typeof AttachmentSpec>;

/**
 * An attachment as a message carries it: the server's id for the stored object and what the
 * server checked about it. The bytes are fetched with a short-lived URL (`attachments.urls`).
 */
export const Attachment = v.strictObject({
  id: Id,
  ...AttachmentSpec.entries,
});
export type Attachment = v.InferOutput<typeof Attachment>;

/** The attachments a SEND names (by the ids `upload.result` gave), in the order shown. */
export const AttachmentIdList = v.pipe(v.array(Id), v.minLength(1), v.maxLength(Limits.maxAttachmentsPerMessage));

/** The attachments a message carries. */
export const AttachmentList = v.pipe(v.array(Attachment), v.minLength(1), v.maxLength(Limits.maxAttachmentsPerMessage));
