import { createClient } from 'redis';
import type { ChatServerOptions, ChatStore } from '@parley/server-sdk';
import { redisScaleOut } from '@parley/server-sdk/redis';
import { startTestServer, type TestServer } from './test-server.js';

/** Every node of a test cluster signs and checks dev tokens with this one secret. */
export const CLUSTER_DEV_SECRET = 'shared-dev-secret-for-both-nodes-32b!';

/**
 * One in-process Parley node of a test cluster: its own Redis clients, the shared store (left
 * open when the node closes) and the shared dev secret, so a token works on every node.
 * `close()` stops the node, then its Redis clients.
 */
export async function startRedisNode(
  redisUrl: string,
  store: ChatStore,
  keyPrefix: string,
  options: Partial<ChatServerOptions> = {},
): Promise<TestServer> {
  const pubClient = createClient({ url: redisUrl });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  const server = await startTestServer({
    store,
    keepStoreOpen: true,
    devSecret: CLUSTER_DEV_SECRET,
    scaleOut: redisScaleOut({ pubClient, subClient, keyPrefix }),
    ...options,
  });
  return {
    ...server,
    async close() {
      await server.close();
      await Promise.allSettled([pubClient.quit(), subClient.quit()]);
    },
  };
}
