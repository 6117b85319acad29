import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

describe('KeyedQueue', () => {
  it('runs one key in order, a failure included, other keys alongside, and idles when all settled', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = queue.run('a', async () => {
      await gate;
      order.push('a1');
      throw new Error('a1 failed');
    });
    const second = queue.run('a', async () => {
      order.push('a2');
      return 2;
    });
    expect(await queue.run('b', async () => (order.push('b1'), 'b'))).toBe('b');
    const idle = queue.idle().then(() => order.push('idle'));
    release();
    await expect(first).rejects.toThrow('a1 failed');
    expect(await second).toBe(2);
    await idle;
    expect(order).toEqual(['b1', 'a1', 'a2', 'idle']);
    expect(queue.size).toBe(0);
  });
});
