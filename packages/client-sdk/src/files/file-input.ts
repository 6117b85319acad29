import * as v from 'valibot';
import { AttachmentSpec, ErrorCode, FileName, ImagePreview, Limits, MimeType, ParleyError } from '@parley/protocol';
import { imageInfo } from './image-info.js';
import { guessMimeType, normalizeMimeType } from './mime-types.js';
import { toBlob } from './memory-files.js';

/**
 * A file described by the app: its bytes, its name, and (optional) its type (guessed from the
 * name when absent) and, for an image, what the client would otherwise work out in a browser:
 * `width`, `height` and a tiny `preview` (a `data:image/png|jpeg|webp;base64,` URL).
 *
 * @example
 * const file: FileDescription = { data: await readFile('chart.png'), name: 'chart.png', type: 'image/png', width: 800, height: 600 };
 */
export interface FileDescription {
  readonly data: Blob | Uint8Array | ArrayBuffer;
  readonly name: string;
  readonly type?: string;
  readonly width?: number;
  readonly height?: number;
  readonly preview?: string;
}

/**
 * A file to send with a message: a `Blob` or `File` (from an `<input type="file">`, a drop or a
 * paste), or a `FileDescription` (bytes, name, type: Node, React Native, generated content).
 * In Node, `fileFromPath` (`@parley/client-sdk/node`) reads one from disk.
 *
 * @example
 * await chat.send(id, { text: 'the plan', attachments: [...input.files] });
 * await chat.send(id, { attachments: [{ data: pngBytes, name: 'chart.png', type: 'image/png' }] });
 */
export type FileInput = Blob | FileDescription;

/** The limits files are held to (the server's, from `welcome`, never above the protocol's). */
export interface FileLimits {
  readonly maxAttachmentsPerMessage: number;
  /** 0: the server takes no files. */
  readonly maxAttachmentBytes: number;
  readonly maxFileNameLength: number;
  readonly maxPreviewLength: number;
}

/** A file as `checkFiles` found it: its bytes (not read yet) and what its upload slot will declare. */
export interface CheckedFile {
  readonly data: Blob | Uint8Array | ArrayBuffer;
  readonly spec: AttachmentSpec;
}

/** A checked file: its bytes and what the upload slot will declare. */
export interface PreparedFile {
  readonly blob: Blob;
  readonly spec: AttachmentSpec;
}

const bad = (message: string) => new ParleyError(ErrorCode.BAD_FRAME, message);
const IMAGE = /^image\//;
const Dimension = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000));

/** A size as people read it: `512 bytes`, `340 KB`, `25 MB` (powers of 1024). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(value < 10 ? 1 : 0))} ${units[unit]}`;
}

const isDescription = (input: unknown): input is FileDescription =>
  typeof input === 'object' && input !== null && !(input instanceof Blob) && 'data' in input;

/** One input, read as the fields the checks look at (the bytes stay where they are). */
function describe(input: unknown): { data: Blob | Uint8Array | ArrayBuffer; size: number; name: unknown; type: unknown; width?: unknown; height?: unknown; preview?: unknown } {
  if (input instanceof Blob) {
    const name = (input as Blob & { name?: unknown }).name;
    return { data: input, size: input.size, name: typeof name === 'string' && name !== '' ? name : 'file', type: input.type };
  }
  if (isDescription(input)) {
    const { data } = input;
    if (!(data instanceof Blob || data instanceof Uint8Array || data instanceof ArrayBuffer)) throw bad("A file's data must be a Blob, a Uint8Array or an ArrayBuffer");
    const size = data instanceof Blob ? data.size : data.byteLength;
    return { data, size, name: input.name, type: input.type, width: input.width, height: input.height, preview: input.preview };
  }
  throw bad('A file must be a Blob, a File or { data, name, type }');
}

function checkOne(input: unknown, limits: FileLimits): CheckedFile {
  const file = describe(input);
  if (typeof file.name !== 'string' || file.name === '') throw bad("A file needs a name");
  const name = file.name;
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}…` : name);
  if (name.length > limits.maxFileNameLength) throw bad(`A file name can be at most ${limits.maxFileNameLength} characters (${shown} is longer)`);
  if (!v.safeParse(FileName, name).success) throw bad(`${shown} isn't a valid file name (no slashes or control characters)`);
  if (file.type !== undefined && typeof file.type !== 'string') throw bad(`The type of ${shown} must be a string such as image/png`);
  const declared = normalizeMimeType(file.type ?? '');
  // An empty type (a Blob the browser could not type, a file without one) is guessed from the name.
  const mimeType = declared === '' ? guessMimeType(name) : declared;
  if (!v.safeParse(MimeType, mimeType).success) throw bad(`${JSON.stringify(file.type)} isn't a valid file type (such as image/png)`);
  if (file.size === 0) throw bad(`${shown} is empty`);
  if (file.size > limits.maxAttachmentBytes) {
    throw bad(`${shown} is ${formatBytes(file.size)}: files can be at most ${formatBytes(limits.maxAttachmentBytes)} here`);
  }
  const image = { width: file.width, height: file.height, preview: file.preview };
  const given = Object.entries(image).filter(([, value]) => value !== undefined);
  if (given.length > 0 && !IMAGE.test(mimeType)) throw bad(`Width, height and a preview are for images (${shown} is ${mimeType})`);
  for (const [key, value] of given) {
    if (key === 'preview') {
      if (!v.safeParse(ImagePreview, value).success || (value as string).length > limits.maxPreviewLength) {
        throw bad(`An image preview must be a data:image/png, jpeg or webp base64 URL of at most ${limits.maxPreviewLength} characters`);
      }
    } else if (!v.safeParse(Dimension, value).success) {
      throw bad("An image's width and height must be whole numbers from 1 to 100,000");
    }
  }
  const spec: AttachmentSpec = {
    name,
    size: file.size,
    mimeType,
    ...(file.width !== undefined ? { width: file.width as number } : {}),
    ...(file.height !== undefined ? { height: file.height as number } : {}),
    ...(file.preview !== undefined ? { preview: file.preview as string } : {}),
  };
  // The protocol stays the final word, should it grow a rule the checks above do not know.
  const parsed = v.safeParse(AttachmentSpec, spec);
  if (!parsed.success) throw bad(`${shown}: ${parsed.issues[0]?.message ?? 'not a file the server takes'}`);
  return { data: file.data, spec: parsed.output };
}

/**
 * Checks the files of a `send()` the way the server will check their upload slots, each failure
 * a BAD_FRAME `ParleyError` a user can read; nothing is read yet. An empty list is no files.
 */
export function checkFiles(inputs: unknown, limits: FileLimits): CheckedFile[] {
  if (!Array.isArray(inputs)) throw bad('Attachments must be a list of files');
  if (inputs.length === 0) return [];
  if (limits.maxAttachmentBytes <= 0) throw bad('This server takes no files');
  if (inputs.length > limits.maxAttachmentsPerMessage) {
    throw bad(`A message can carry at most ${limits.maxAttachmentsPerMessage} files (this one has ${inputs.length})`);
  }
  return inputs.map((input) => checkOne(input, limits));
}

/**
 * The checked files as Blobs, with the width, height and preview of images worked out where the
 * runtime can decode them (a browser) and the app did not give them.
 */
export async function prepareFiles(checked: readonly CheckedFile[], limits: Pick<FileLimits, 'maxPreviewLength'>): Promise<PreparedFile[]> {
  return Promise.all(
    checked.map(async ({ data, spec }) => {
      const blob = toBlob(data, spec.mimeType);
      if (!IMAGE.test(spec.mimeType) || spec.width !== undefined || spec.height !== undefined) return { blob, spec };
      const info = await imageInfo(blob, spec.mimeType, Math.min(limits.maxPreviewLength, Limits.maxPreviewLength));
      if (!info) return { blob, spec };
      const withImage = { ...spec, width: info.width, height: info.height, ...(spec.preview === undefined && info.preview !== undefined ? { preview: info.preview } : {}) };
      return { blob, spec: v.safeParse(AttachmentSpec, withImage).success ? withImage : spec };
    }),
  );
}
