import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/** A file a test hands to the browser (`setFiles`), and what it must come back as. */
export interface TestFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A real RGB PNG: a diagonal gradient, with `noise` (0–255) of seeded grain on top so it does not
 * compress to nothing (noise 0: a few KB; 40: about half its raw size; 255: about its raw size,
 * width × height × 3 bytes).
 */
export function makePng(width: number, height: number, { noise = 0, seed = 1 } = {}): Buffer {
  let state = seed >>> 0 || 1;
  const grain = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return noise === 0 ? 0 : ((state >>> 0) % (noise + 1)) - (noise >> 1);
  };
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  const rows = Buffer.alloc(height * (width * 3 + 1));
  let at = 0;
  for (let y = 0; y < height; y++) {
    rows[at++] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      rows[at++] = clamp((255 * x) / width + grain());
      rows[at++] = clamp((255 * y) / height + grain());
      rows[at++] = clamp(255 - (128 * (x + y)) / (width + height) + grain());
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small, valid one-page PDF that says `text`. */
export function makePdf(text: string): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
