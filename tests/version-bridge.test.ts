import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_EVENT, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, type EventFrame, type ServerFrame } from '@parley/protocol';
import { createMemoryStore } from '@parley/server-sdk';
import { redisScaleOut } from '@parley/server-sdk/redis';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { testScope } from './helpers/scope.js';
import { startTestServer } from './helpers/test-server.js';
import { connectWire, type WireClient } from './helpers/wire-client.js';

const hasRedis = requireRedis();
const DEV_SECRET = 'version-bridge-dev-secret-at-least-32b';

/** An owner change: `ownerId` is what protocol 2 has no place for. */
const ownerChange = (seq: number): EventFrame => ({
  type: 'event',
  event: { id: `e-${seq}`, conversationId: 'g-bridge', seq, senderId: 'carol', ts: 1_700_000_000_000, kind: 'members.removed', data: { userIds: ['carol'], ownerId: 'erin' } },
});
const isOwnerChange = (f: ServerFrame) => f.type === 'event' && f.event.kind === 'members.removed';

// During the deploy from protocol 3 (the release before negotiation), its nodes broadcast every
// frame in one form to the plain rooms, where a new node's protocol-2 clients sit too. The new
// node must hand those clients their own form, once, with either Redis adapter.
describe.skipIf(!hasRedis).each([false, true])('a new node relaying an old node\'s broadcast (sharded: %s)', (sharded) => {
  const scope = testScope();
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  async function redisClients() {
    const pub = createClient({ url: redis.url });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    scope.adopt({ close: () => Promise.allSettled([pub.quit(), sub.quit()]) });
    return { pub, sub };
  }

  /** A node from before negotiation, as far as the bus can tell: a plain socket.io server on the same channels. */
  async function oldNode(keyPrefix: string): Promise<Server> {
    const { pub, sub } = await redisClients();
    const io = new Server({
      adapter: sharded ? createShardedAdapter(pub, sub, { channelPrefix: `${keyPrefix}sio` }) : createAdapter(pub, sub, { key: `${keyPrefix}sio` }),
    });
    scope.adopt({ close: () => io.close() });
    return io;
  }

  it('gives each client the form of its version, once', async () => {
    const keyPrefix = `bridge-${String(sharded)}:`;
    const { pub: pubClient, sub: subClient } = await redisClients();
    // Adopted after its Redis clients, so it closes before them.
    const scaleOut = redisScaleOut({ pubClient, subClient, keyPrefix, sharded });
    const node = scope.adopt(await startTestServer({ store: createMemoryStore(), devSecret: DEV_SECRET, scaleOut }));
    const connect = async (protocol: number): Promise<WireClient> =>
      scope.adopt(await connectWire(node.url, { token: await node.token('erin'), protocol }));
    const [older, current] = [await connect(OLDEST_PROTOCOL_VERSION), await connect(PROTOCOL_VERSION)];
    await Promise.all([older, current].map((w) => w.waitFor((f) => f.type === 'welcome')));
    const old = await oldNode(keyPrefix);

    // Sharded pub/sub subscribes per room on demand: repeat until the first one arrives.
    const deadline = Date.now() + 30_000;
    while (!current.frames.some(isOwnerChange) && Date.now() < deadline) {
      old.to('user:erin').emit(FRAME_EVENT, ownerChange(1));
      await current.waitFor(isOwnerChange, 500).catch(() => undefined);
    }
    old.to('user:erin').emit(FRAME_EVENT, ownerChange(2));
    const second = (f: ServerFrame) => isOwnerChange(f) && f.type === 'event' && f.event.seq === 2;
    await Promise.all([older.waitFor(second, 30_000), current.waitFor(second, 30_000)]);

    // Each client got the second change once, in its version's form; nothing it could not parse.
    const seconds = (w: WireClient) => w.frames.filter(second).map((f) => (f as EventFrame).event.data);
    expect(seconds(current)).toEqual([{ userIds: ['carol'], ownerId: 'erin' }]);
    expect(seconds(older)).toEqual([{ userIds: ['carol'] }]);
    expect(older.invalid).toEqual([]);
  }, 120_000);
});
