import { createClient } from 'redis';
import type { ChatServerOptions, ChatStore } from '@parley/server-sdk';
import { redisScaleOut } from '@parley/server-sdk/redis';
import type { RedisConnection, RedisDeployment } from './redis-deployments.js';
import { startTestServer, type TestServer } from './test-server.js';

/** Every node of a test cluster signs and checks dev tokens with this one secret. */
export const CLUSTER_DEV_SECRET = 'shared-dev-secret-for-both-nodes-32b!';

/** A test node over Redis, and how many Redis errors its scale-out reported (an outage noticed). */
export interface RedisTestNode extends TestServer {
  redisErrors(): number;
}

/**
 * One in-process Parley node of a test cluster: its own Redis clients (on a single Redis at
 * `redis`, a URL, or on a deployment: a single Redis or a Redis Cluster), the shared store (left
 * open when the node closes) and the shared dev secret, so a token works on every node.
 * `close()` stops the node, then its Redis clients.
 */
export async function startRedisNode(
  redis: string | RedisDeployment,
  store: ChatStore,
  keyPrefix: string,
  options: Partial<ChatServerOptions> = {},
): Promise<RedisTestNode> {
  const connection = typeof redis === 'string' ? await connectUrl(redis, keyPrefix) : await redis.connect(keyPrefix);
  let errors = 0;
  connection.scaleOut.onError(() => errors++);
  const server = await startTestServer({
    store,
    keepStoreOpen: true,
    devSecret: CLUSTER_DEV_SECRET,
    scaleOut: connection.scaleOut,
    ...options,
  });
  return {
    ...server,
    redisErrors: () => errors,
    async close() {
      await server.close();
      await connection.close();
    },
  };
}

async function connectUrl(url: string, keyPrefix: string): Promise<RedisConnection> {
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  return {
    scaleOut: redisScaleOut({ pubClient, subClient, keyPrefix }),
    close: async () => void (await Promise.allSettled([pubClient.quit(), subClient.quit()])),
  };
}
