import { describe, expect, it } from 'vitest';
import { AckDropper } from './harness/ack-dropper.js';
import { createRng } from './harness/prng.js';

// The chaos proxy's ACK dropper follows WebSocket frames after an upgrade. A file's PUT or GET
// is plain HTTP on a keep-alive connection: its answers must pass whole, however many follow.

const rng = createRng(1);
const frame = (text: string) => Buffer.concat([Buffer.from([0x81, text.length]), Buffer.from(text)]);

describe('the chaos proxy ACK dropper', () => {
  it('passes plain HTTP answers through whole, the second one on a keep-alive connection too', () => {
    const dropper = new AckDropper();
    const first = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n');
    const second = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello');
    expect(dropper.filter(first, 1, rng).toString()).toBe(first.toString());
    expect(dropper.filter(second, 1, rng).toString()).toBe(second.toString());
  });

  it('after an upgrade, forwards whole frames and drops ack frames as asked', () => {
    const dropper = new AckDropper();
    const upgrade = Buffer.from('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n');
    const ack = frame('42["parley",{"type":"ack"}]');
    const event = frame('42["parley",{"type":"event"}]');
    const out = dropper.filter(Buffer.concat([upgrade, ack, event.subarray(0, 5)]), 1, rng);
    expect(out.toString()).toBe(upgrade.toString());
    expect(dropper.filter(event.subarray(5), 1, rng).equals(event)).toBe(true);
    expect(dropper.dropped).toBe(1);
  });
});
