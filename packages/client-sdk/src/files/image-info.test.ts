import { describe, expect, it } from 'vitest';
import { imageInfo } from './image-info.js';

/** A browser's image API as far as `imageInfo` uses it: decodes to `size`, encodes `formats` (others as PNG). */
function runtime(size: { width: number; height: number }, formats: string[] = ['image/webp', 'image/png', 'image/jpeg'], bytes = 120) {
  const drawn: { w: number; h: number }[] = [];
  let closed = 0;
  return {
    drawn,
    closed: () => closed,
    api: {
      createImageBitmap: async () => ({ ...size, close: () => void (closed += 1) }) as unknown as ImageBitmap,
      OffscreenCanvas: class {
        constructor(readonly width: number, readonly height: number) {}
        getContext() {
          return { drawImage: (_image: unknown, _x: number, _y: number, w: number, h: number) => void drawn.push({ w, h }) };
        }
        async convertToBlob({ type }: { type: string }) {
          return new Blob([new Uint8Array(bytes)], { type: formats.includes(type) ? type : 'image/png' });
        }
      },
    },
  };
}

describe('image width, height and preview', () => {
  it('reads the size and draws a preview whose longest side is 20 px, in the first format the browser encodes', async () => {
    const browser = runtime({ width: 4000, height: 3000 }, ['image/png']);
    const info = await imageInfo(new Blob(['x'], { type: 'image/jpeg' }), 'image/jpeg', 4096, browser.api);
    expect(info).toMatchObject({ width: 4000, height: 3000, preview: expect.stringMatching(/^data:image\/png;base64,A+=*$/) });
    expect(browser.drawn[0]).toEqual({ w: 20, h: 15 });
    expect(browser.closed()).toBe(1);
  });

  it('goes without a preview that would not fit, and without anything where images cannot be decoded', async () => {
    const big = runtime({ width: 10, height: 800 }, ['image/webp'], 5_000);
    expect(await imageInfo(new Blob(['x']), 'image/webp', 4096, big.api)).toEqual({ width: 10, height: 800 });
    expect(big.drawn[0]).toEqual({ w: 1, h: 20 });
    expect(await imageInfo(new Blob(['x']), 'image/png', 4096, {})).toBeUndefined();
    expect(await imageInfo(new Blob(['x']), 'image/svg+xml', 4096, runtime({ width: 1, height: 1 }).api)).toBeUndefined();
    const broken = { createImageBitmap: () => Promise.reject(new Error('not an image')) };
    expect(await imageInfo(new Blob(['x']), 'image/png', 4096, broken)).toBeUndefined();
  });
});
