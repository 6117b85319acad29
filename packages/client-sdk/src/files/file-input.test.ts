import { describe, expect, it } from 'vitest';
import { checkFiles, formatBytes, prepareFiles } from './file-input.js';
import { guessMimeType, normalizeMimeType } from './mime-types.js';

describe('files as send() takes them', () => {
  const limits = { maxAttachmentsPerMessage: 10, maxAttachmentBytes: 25 * 1024 * 1024, maxFileNameLength: 255, maxPreviewLength: 4096 };

  it('takes the type as declared (lower case, no parameters), else guesses it from the name', async () => {
    expect(normalizeMimeType(' Text/Plain; charset=UTF-8')).toBe('text/plain');
    expect([guessMimeType('Scan.JPG'), guessMimeType('archive.tar.gz'), guessMimeType('README')]).toEqual(['image/jpeg', 'application/gzip', 'application/octet-stream']);
    const checked = checkFiles([
      new File(['a'], 'a.csv', { type: 'text/csv;charset=utf-8' }),
      new File(['b'], 'b.webp'),
      new Blob(['c']),
      { data: new ArrayBuffer(3), name: 'c.bin', type: 'application/x-custom' },
    ], limits);
    expect(checked.map((f) => [f.spec.name, f.spec.mimeType, f.spec.size])).toEqual([
      ['a.csv', 'text/csv', 1], ['b.webp', 'image/webp', 1], ['file', 'application/octet-stream', 1], ['c.bin', 'application/x-custom', 3],
    ]);
    // In Node no image is decoded: the file goes as it is, typed.
    const [prepared] = await prepareFiles(checked.slice(1, 2), limits);
    expect([prepared?.blob.type, prepared?.spec]).toEqual(['image/webp', { name: 'b.webp', size: 1, mimeType: 'image/webp' }]);
  });

  it('says what is wrong in words a user reads', () => {
    const refusal = (inputs: unknown, over: Partial<typeof limits> = {}) => {
      try {
        checkFiles(inputs, { ...limits, ...over });
      } catch (err) {
        return (err as Error).message;
      }
      return undefined;
    };
    expect(refusal('photo.png')).toBe('Attachments must be a list of files');
    expect(refusal([{ name: 'x' }])).toBe('A file must be a Blob, a File or { data, name, type }');
    expect(refusal([{ data: 'text', name: 'x' }])).toBe("A file's data must be a Blob, a Uint8Array or an ArrayBuffer");
    expect(refusal([{ data: new Uint8Array(1), name: '' }])).toBe('A file needs a name');
    expect(refusal([{ data: new Uint8Array(1), name: 'a\nb' }])).toBe('"a\\nb" isn\'t a valid file name (no slashes or control characters)');
    expect(refusal([{ data: new Uint8Array(1), name: 'x'.repeat(256) }])).toMatch(/^A file name can be at most 255 characters/);
    expect(refusal([{ data: new Uint8Array(30 * 1024 * 1024), name: 'movie.mp4' }])).toBe('"movie.mp4" is 30 MB: files can be at most 25 MB here');
    expect(refusal([{ data: new Uint8Array(1), name: 'a.png', preview: 'data:text/html;base64,AA==' }])).toMatch(/^An image preview must be/);
    expect(refusal([{ data: new Uint8Array(1), name: 'a.png', width: 0 }])).toBe("An image's width and height must be whole numbers from 1 to 100,000");
    expect(refusal([new Blob(['x'])], { maxAttachmentBytes: 0 })).toBe('This server takes no files');
    expect(refusal([])).toBeUndefined();
    expect([formatBytes(1), formatBytes(2048), formatBytes(1536 * 1024)]).toEqual(['1 byte', '2 KB', '1.5 MB']);
  });
});
