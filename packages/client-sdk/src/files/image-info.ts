/** What a browser can tell of an image before it is sent: its size, and a tiny preview. */
export interface ImageInfo {
  readonly width: number;
  readonly height: number;
  readonly preview?: string;
}

/** Longest side of the preview, in pixels: enough for a blurred placeholder, a few hundred bytes. */
const PREVIEW_SIDE = 20;
/** Larger images are not decoded just for a placeholder. */
const MAX_DECODED_BYTES = 50 * 1024 * 1024;
const RASTER = /^image\/(png|jpeg|gif|webp|avif|bmp)$/;
const PREVIEW_FORMATS = ['image/webp', 'image/png', 'image/jpeg'] as const;

type CanvasLike = {
  getContext(id: '2d'): { drawImage(image: ImageBitmap, x: number, y: number, w: number, h: number): void } | null;
};
type OffscreenLike = CanvasLike & { convertToBlob(options: { type: string; quality?: number }): Promise<Blob> };
type ElementCanvasLike = CanvasLike & { width: number; height: number; toDataURL(type: string, quality?: number): string };
interface ImageRuntime {
  createImageBitmap?: (blob: Blob) => Promise<ImageBitmap>;
  OffscreenCanvas?: new (width: number, height: number) => OffscreenLike;
  document?: { createElement(tag: 'canvas'): ElementCanvasLike };
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A data URL the protocol takes (`ImagePreview`) within `maxLength`, or undefined. */
function acceptable(url: string, maxLength: number): string | undefined {
  return url.length <= maxLength && /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/.test(url) ? url : undefined;
}

async function drawPreview(runtime: ImageRuntime, bitmap: ImageBitmap, maxLength: number): Promise<string | undefined> {
  const scale = Math.min(1, PREVIEW_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  if (runtime.OffscreenCanvas) {
    const canvas = new runtime.OffscreenCanvas(width, height);
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
    for (const type of PREVIEW_FORMATS) {
      // A browser that cannot encode a format answers with PNG: the data URL says what it is.
      const blob = await canvas.convertToBlob({ type, quality: 0.6 });
      const url = acceptable(`data:${blob.type};base64,${base64(new Uint8Array(await blob.arrayBuffer()))}`, maxLength);
      if (url) return url;
    }
    return undefined;
  }
  const canvas = runtime.document?.createElement('canvas');
  if (!canvas) return undefined;
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, width, height);
  for (const type of PREVIEW_FORMATS) {
    const url = acceptable(canvas.toDataURL(type, 0.6), maxLength);
    if (url) return url;
  }
  return undefined;
}

/**
 * The width and height of a raster image, and a tiny preview (longest side 20 px, WebP, PNG or
 * JPEG as the browser encodes them) that fits `maxPreviewLength`. Undefined where images cannot
 * be decoded (Node, a worker without canvas) or this one cannot: the file goes without them.
 */
export async function imageInfo(blob: Blob, mimeType: string, maxPreviewLength: number, runtime: ImageRuntime = globalThis as ImageRuntime): Promise<ImageInfo | undefined> {
  if (!RASTER.test(mimeType) || blob.size > MAX_DECODED_BYTES || typeof runtime.createImageBitmap !== 'function') return undefined;
  let bitmap: ImageBitmap;
  try {
    bitmap = await runtime.createImageBitmap(blob);
  } catch {
    return undefined;
  }
  try {
    const { width, height } = bitmap;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1 && width <= 100_000 && height <= 100_000)) return undefined;
    const preview = await drawPreview(runtime, bitmap, maxPreviewLength).catch(() => undefined);
    return { width, height, ...(preview !== undefined ? { preview } : {}) };
  } finally {
    bitmap.close();
  }
}
