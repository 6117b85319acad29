import type { Rng } from './prng.js';

const HEADER_END = Buffer.from('\r\n\r\n');
const ACK_MARK = Buffer.from('"type":"ack"');
/** The answer that turns a connection into a WebSocket. */
const SWITCHING = /^HTTP\/1\.[01] 101 /;

/**
 * Follows one server→client byte stream (the HTTP upgrade answer, then unmasked WebSocket
 * frames: socket.io sends no compression by default) and swallows whole text frames that carry
 * an `ack`. A connection whose first answer is not an upgrade is plain HTTP, passed through. The connection stays healthy; only the ACK is lost, as when a reply dies on the way.
 */
export class AckDropper {
  private pending: Buffer = Buffer.alloc(0);
  /** Before the first answer's header: unknown; then a WebSocket, or plain HTTP passed through. */
  private mode: 'unknown' | 'websocket' | 'http' = 'unknown';
  dropped = 0;

  /** Returns the bytes to forward now: whole frames only, minus the dropped ones. */
  filter(chunk: Buffer, probability: number, rng: Rng): Buffer {
    // Plain HTTP (a file's PUT or GET, keep-alive): answers pass untouched. Parsing a second
    // answer on the connection as WebSocket frames would hold back its tail for good.
    if (this.mode === 'http') return chunk;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Buffer[] = [];
    if (this.mode === 'unknown') {
      const end = this.pending.indexOf(HEADER_END);
      if (end < 0) return Buffer.alloc(0);
      if (!SWITCHING.test(this.pending.subarray(0, 16).toString('latin1'))) {
        this.mode = 'http';
        const all = this.pending;
        this.pending = Buffer.alloc(0);
        return all;
      }
      out.push(this.pending.subarray(0, end + 4));
      this.pending = this.pending.subarray(end + 4);
      this.mode = 'websocket';
    }
    for (;;) {
      const size = frameSize(this.pending);
      if (size === null || size > this.pending.length) break;
      const frame = this.pending.subarray(0, size);
      this.pending = this.pending.subarray(size);
      const text = (frame[0]! & 0x0f) === 1;
      if (text && probability > 0 && frame.includes(ACK_MARK) && rng.chance(probability)) {
        this.dropped++;
        continue;
      }
      out.push(frame);
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }
}

/** Total length of the frame at the start of `buf`, or null while its header is incomplete. */
function frameSize(buf: Buffer): number | null {
  if (buf.length < 2) return null;
  const masked = (buf[1]! & 0x80) !== 0;
  let length = buf[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return null;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buf.length < 10) return null;
    length = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  return offset + (masked ? 4 : 0) + length;
}
