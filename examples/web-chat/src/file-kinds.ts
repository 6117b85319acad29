import type { AttachmentView } from '@parley/client-sdk';

/** How a file shows in a message: an image to look at, a player, or a chip to download. */
export type FileKind = 'image' | 'audio' | 'video' | 'file';

/** Types a browser shows inline; the server serves other images (SVG) as downloads anyway. */
const SHOWN_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

export function kindOf(mimeType: string): FileKind {
  if (SHOWN_IMAGES.has(mimeType)) return 'image';
  if (mimeType.startsWith('audio/')) return 'audio';
  if (mimeType.startsWith('video/')) return 'video';
  return 'file';
}

/** A size as people read it: `512 bytes`, `340 KB`, `2.4 MB`. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(value < 10 ? 1 : 0))} ${units[unit]}`;
}

/** What a message of files says in one line (the conversation list, a quote): "Photo", "report.pdf", "3 files". */
export function filesLabel(files: readonly Pick<AttachmentView, 'name' | 'mimeType'>[]): string {
  if (files.length === 0) return '';
  if (files.every((f) => kindOf(f.mimeType) === 'image')) return files.length === 1 ? 'Photo' : `${files.length} photos`;
  return files.length === 1 ? files[0]!.name : `${files.length} files`;
}

/**
 * The box an image takes in a bubble, reserved before it loads (nothing below it jumps): its own
 * shape, at most `maxWidth` wide and `maxHeight` tall, never larger than the image itself.
 */
export function imageBox(file: Pick<AttachmentView, 'width' | 'height'>, maxWidth = 280, maxHeight = 320): { width: number; aspectRatio: string } {
  const { width, height } = file;
  // A sender that gave no size (a bot, an old app): a common photo shape until it loads.
  if (!width || !height) return { width: maxWidth, aspectRatio: '4 / 3' };
  // A very tall or very wide image keeps a shape a bubble can hold; the picture fits inside it.
  const ratio = Math.min(Math.max(width / height, 1 / 4), 4);
  return { width: Math.round(Math.max(Math.min(maxWidth, width, maxHeight * ratio), 48)), aspectRatio: `${ratio}` };
}
