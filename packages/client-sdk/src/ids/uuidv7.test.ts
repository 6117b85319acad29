import { describe, expect, it } from 'vitest';
import { createUuidv7, uuidv7, uuidv7Time } from './uuidv7.js';
import { parseClientFrame } from '@parley/protocol';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('has the RFC 9562 version and variant bits and is a valid clientMsgId', () => {
    for (let i = 0; i < 100; i += 1) {
      const id = uuidv7();
      expect(id).toMatch(FORMAT);
      expect(parseClientFrame({ type: 'send', conversationId: 'c1', clientMsgId: id, data: { text: 'x' } }).ok).toBe(true);
    }
  });

  it('encodes the creation time', () => {
    const next = createUuidv7({ now: () => 1_700_000_000_123 });
    expect(uuidv7Time(next())).toBe(1_700_000_000_123);
  });

  it('sorts in creation order within one millisecond', () => {
    const next = createUuidv7({ now: () => 1_700_000_000_000 });
    const ids = Array.from({ length: 5000 }, () => next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays ordered when the clock steps backwards', () => {
    const times = [2_000, 1_000, 1_500, 3_000];
    const next = createUuidv7({ now: () => times.shift() ?? 3_000 });
    const ids = [next(), next(), next(), next()];
    expect([...ids].sort()).toEqual(ids);
  });

  it('sorts across milliseconds even with random bytes at their maximum', () => {
    let ms = 1_000;
    const next = createUuidv7({ now: () => ms, fillRandom: (b) => b.fill(0xff) });
    const a = next();
    ms += 1;
    const b = next();
    expect(a < b).toBe(true);
  });
});
