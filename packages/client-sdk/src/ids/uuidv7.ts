/**
 * Time-ordered UUIDv7 ids (RFC 9562) for `clientMsgId` and request ids.
 *
 * Ids from one generator sort in creation order even within the same millisecond (a 12-bit counter
 * in `rand_a`, RFC 9562 method 1), and stay ordered if the clock steps backwards, because the
 * outbox replays entries in id order.
 */

export interface Uuidv7Options {
  /** Clock, in ms since the epoch. */
  now?: () => number;
  /** Fills the array with random bytes. */
  fillRandom?: (bytes: Uint8Array) => void;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function defaultFillRandom(bytes: Uint8Array): void {
  // Resolved at call time, never at import, so the module loads in any runtime.
  globalThis.crypto.getRandomValues(bytes);
}

/**
 * Makes a generator of monotonic UUIDv7 strings.
 *
 * @example
 * const next = createUuidv7();
 * const a = next(); const b = next();
 * a < b; // true
 */
export function createUuidv7(options: Uuidv7Options = {}): () => string {
  const now = options.now ?? Date.now;
  const fillRandom = options.fillRandom ?? defaultFillRandom;
  let lastMs = -1;
  let counter = 0;

  return () => {
    const bytes = new Uint8Array(16);
    fillRandom(bytes);
    let ms = Math.max(0, Math.floor(now()));
    if (ms > lastMs) {
      // Start the counter in the lower half so the same millisecond has room to count up.
      counter = ((bytes[6] ?? 0) << 8 | (bytes[7] ?? 0)) & 0x7ff;
      lastMs = ms;
    } else {
      counter += 1;
      if (counter > 0xfff) {
        // Counter exhausted: borrow the next millisecond rather than break the order.
        lastMs += 1;
        counter = 0;
      }
      ms = lastMs;
    }
    // 48-bit big-endian timestamp; split because bitwise ops are 32-bit.
    const high = Math.floor(ms / 2 ** 16);
    bytes[0] = (high >>> 24) & 0xff;
    bytes[1] = (high >>> 16) & 0xff;
    bytes[2] = (high >>> 8) & 0xff;
    bytes[3] = high & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    let out = '';
    for (let i = 0; i < 16; i += 1) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
      out += HEX[bytes[i] ?? 0];
    }
    return out;
  };
}

/**
 * The shared generator: monotonic within this process.
 *
 * @example
 * const clientMsgId = uuidv7(); // '0190f5c2-8a4b-7c3d-9e1f-…'
 */
export const uuidv7: () => string = createUuidv7();

/** Reads the millisecond timestamp back out of a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
