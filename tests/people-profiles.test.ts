import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type ErrorFrame, type UserProfile, type UsersResultFrame } from '@parley/protocol';
import { createMemoryStore, type UserDirectory } from '@parley/server-sdk';
import { roundTrip } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { startRedisNode } from './helpers/redis-node.js';

const scope = testScope();

const users = (w: WireClient, ask: { userIds?: string[]; query?: string }) =>
  w.request<UsersResultFrame | ErrorFrame>({ type: 'users', reqId: nextId('u-'), ...ask });

async function profiles(w: WireClient, ask: { userIds?: string[]; query?: string }): Promise<UserProfile[]> {
  const answer = await users(w, ask);
  if (answer.type !== 'users.result') throw new Error(`users failed: ${JSON.stringify(answer)}`);
  return answer.users;
}

/** An app's user table, with a record of every call Parley makes to it. */
function directory(names: Record<string, string>, extra: Partial<UserDirectory> = {}) {
  const calls: { ids: string[]; requester: string }[] = [];
  const dir: UserDirectory = {
    async resolve(ids, { requester }) {
      calls.push({ ids, requester });
      return ids.filter((id) => names[id] !== undefined).map((id) => ({ id, name: names[id]! }));
    },
    ...extra,
  };
  return { dir, calls, names };
}

describe('profiles: users', () => {
  it('without a directory answers { id } for each id asked (once each), [] for a search; BAD_FRAME for both or neither', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    expect(await profiles(alice, { userIds: ['bob', 'carol', 'bob'] })).toEqual([{ id: 'bob' }, { id: 'carol' }]);
    expect(await profiles(alice, { query: 'bo' })).toEqual([]);
    expect(await users(alice, { userIds: ['bob'], query: 'bo' })).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    expect(await users(alice, {})).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
  });

  it("answers the app's profiles in the order asked, leaves out unknown ids, invalid entries and ids not asked for, and caches", async () => {
    const app = directory({ bob: 'Bob', carol: 'Carol' });
    const resolve = app.dir.resolve!;
    app.dir.resolve = async (ids, context) => [
      ...(await resolve(ids, context)),
      { id: 'mallory', name: 'not asked for' },
      { id: 'carol', name: 'x'.repeat(1000) }, // too long: invalid
      { id: 'bob', name: 'Bob', role: 'admin' }, // an unknown field: invalid
    ] as UserProfile[];
    const s = await scope.server({ users: app.dir });
    const alice = await scope.wire(s, 'alice');
    expect(await profiles(alice, { userIds: ['carol', 'nobody', 'bob'] })).toEqual([
      { id: 'carol', name: 'Carol' },
      { id: 'bob', name: 'Bob' },
    ]);
    expect(app.calls).toEqual([{ ids: ['carol', 'nobody', 'bob'], requester: 'alice' }]);
    // Cached, unknown ids too: asking again asks the app nothing.
    const bob = await scope.wire(s, 'bob');
    expect(await profiles(bob, { userIds: ['bob', 'nobody'] })).toEqual([{ id: 'bob', name: 'Bob' }]);
    expect(app.calls).toHaveLength(1);
  });

  it('asks the app once for many users frames of one tick, and once per id', async () => {
    const app = directory(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`u${i}`, `User ${i}`])));
    const s = await scope.server({ users: app.dir });
    const alice = await scope.wire(s, 'alice');
    // Twenty frames in one burst, overlapping: the frames of one event-loop turn make one call.
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => profiles(alice, { userIds: [`u${i}`, `u${i + 1}`] })));
    answers.forEach((answer, i) => expect(answer.map((u) => u.name)).toEqual([`User ${i}`, `User ${i + 1}`]));
    const asked = app.calls.flatMap((c) => c.ids);
    expect([...asked].sort()).toEqual(Array.from({ length: 21 }, (_, i) => `u${i}`).sort());
    expect(app.calls.length).toBeLessThan(20);
  });

  it("answers UNAVAILABLE (retryable) when the app fails or hangs up, caches nothing, and recovers", async () => {
    let failing = true;
    const app = directory({ bob: 'Bob' });
    const resolve = app.dir.resolve!;
    app.dir.resolve = (ids, context) => (failing ? Promise.reject(new Error('db down')) : resolve(ids, context));
    const s = await scope.server({ users: app.dir });
    const alice = await scope.wire(s, 'alice');
    expect(await users(alice, { userIds: ['bob'] })).toMatchObject({ type: 'error', code: ErrorCode.UNAVAILABLE, retryable: true });
    failing = false;
    expect(await profiles(alice, { userIds: ['bob'] })).toEqual([{ id: 'bob', name: 'Bob' }]);
  });

  it("searches through the app's search with the requester and a limit; its answer is validated and capped", async () => {
    const seen: { query: string; requester: string; limit: number }[] = [];
    const s = await scope.server({
      users: {
        async search(query, { requester, limit }) {
          seen.push({ query, requester, limit });
          return [{ id: 'bob', name: 'Bob' }, { id: 'bad id!' }, ...Array.from({ length: 50 }, (_, i) => ({ id: `bo${i}`, name: `Bo ${i}` }))];
        },
      },
    });
    const alice = await scope.wire(s, 'alice');
    const found = await profiles(alice, { query: 'bo' });
    expect(seen).toEqual([{ query: 'bo', requester: 'alice', limit: 20 }]);
    expect(found).toHaveLength(20);
    expect(found[0]).toEqual({ id: 'bob', name: 'Bob' });
    expect(found.some((u) => u.id === 'bad id!')).toBe(false);
  });

  it('chat.api.invalidateUsers tells every connection (users.changed) and the next ask gets the new profile', async () => {
    const app = directory({ bob: 'Bob' });
    const s = await scope.server({ users: app.dir });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    expect(await profiles(alice, { userIds: ['bob'] })).toEqual([{ id: 'bob', name: 'Bob' }]);
    app.names.bob = 'Robert';
    expect(await profiles(alice, { userIds: ['bob'] })).toEqual([{ id: 'bob', name: 'Bob' }]); // cached
    s.chat.api.invalidateUsers(['bob']);
    for (const w of [alice, bob]) await w.waitFor((f) => f.type === 'users.changed' && f.userIds.join() === 'bob');
    expect(await profiles(alice, { userIds: ['bob'] })).toEqual([{ id: 'bob', name: 'Robert' }]);
    expect(() => s.chat.api.invalidateUsers([])).toThrow(expect.objectContaining({ code: ErrorCode.BAD_FRAME }));
  });

  it('an old (protocol 5) client is never sent users.changed', async () => {
    const s = await scope.server({ users: directory({}).dir });
    const { connectWire } = await import('./helpers/wire-client.js');
    const old = scope.adopt(await connectWire(s.url, { token: await s.token('olive'), protocol: 5 }));
    await old.waitFor((f) => f.type === 'welcome');
    const current = await scope.wire(s, 'alice');
    s.chat.api.invalidateUsers(['bob']);
    await current.waitFor((f) => f.type === 'users.changed');
    await roundTrip(old);
    expect(old.invalid).toEqual([]);
    expect(old.frames.map((f) => f.type)).toEqual(['welcome', 'settings.result']);
  });
});

const hasRedis = requireRedis();

describe.skipIf(!hasRedis)('profiles across two nodes', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it("an invalidation on one node clears the other node's cache and reaches its clients", async () => {
    const store = createMemoryStore();
    const prefix = `prof${nextId()}:`;
    const app = directory({ bob: 'Bob' });
    const a = scope.adopt(await startRedisNode(redis.url, store, prefix, { users: app.dir }));
    const b = scope.adopt(await startRedisNode(redis.url, store, prefix, { users: app.dir }));
    const onB = scope.adopt(await (await import('./helpers/fixtures.js')).connectAs(b, 'alice'));
    expect(await profiles(onB, { userIds: ['bob'] })).toEqual([{ id: 'bob', name: 'Bob' }]);
    app.names.bob = 'Robert';
    a.chat.api.invalidateUsers(['bob']);
    await onB.waitFor((f) => f.type === 'users.changed', 10_000);
    // Told only once B forgot bob: asking B again asks the app.
    expect(await profiles(onB, { userIds: ['bob'] })).toEqual([{ id: 'bob', name: 'Robert' }]);
  });
});
