import { describe, expect, it } from 'vitest';
import { UserCache } from './user-cache.js';

describe('UserCache', () => {
  it('forgets a profile after its TTL, and unknown users (null) too', () => {
    let now = 1_000;
    const cache = new UserCache(60_000, 10, () => now);
    cache.set('bob', { id: 'bob', name: 'Bob' });
    cache.set('ghost', null);
    expect(cache.get('bob')).toEqual({ id: 'bob', name: 'Bob' });
    expect(cache.get('ghost')).toBeNull();
    now += 60_000;
    expect(cache.get('bob')).toBeUndefined();
    expect(cache.get('ghost')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new UserCache(60_000, 2);
    cache.set('a', { id: 'a' });
    cache.set('b', { id: 'b' });
    expect(cache.get('a')).toEqual({ id: 'a' }); // a is now the most recently used
    cache.set('c', { id: 'c' });
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual({ id: 'a' });
    expect(cache.get('c')).toEqual({ id: 'c' });
    cache.delete(['a']);
    expect(cache.get('a')).toBeUndefined();
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = new UserCache(0, 10);
    cache.set('a', { id: 'a' });
    expect(cache.get('a')).toBeUndefined();
  });
});
