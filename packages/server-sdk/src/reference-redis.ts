import type { Logger } from './logger.js';
import type { ScaleOut } from './scale-out/types.js';

/** Where the reference server's nodes meet: one Redis, or the nodes of a Redis Cluster. */
export type ReferenceRedis = { url: string } | { clusterUrls: string[] };

type Opened = { scaleOut: ScaleOut; close: () => Promise<void> };

/** Reconnect forever with a capped delay: a node must outlive a Redis restart. */
const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** retries, 2000);
const hidePassword = (url: string) => url.replace(/\/\/[^@]*@/, '//***@');

/** The reference server's scale-out: its own pair of Redis clients (it closes them too). */
export async function openRedisScaleOut(redis: ReferenceRedis, logger: Logger): Promise<Opened> {
  const { createClient, createCluster } = await import('redis');
  const { redisScaleOut } = await import('./redis/redis-scale-out.js');
  if ('clusterUrls' in redis) {
    // Any reachable node tells the cluster's layout; the others are found from it.
    const pubClient = createCluster({ rootNodes: redis.clusterUrls.map((url) => ({ url })), defaults: { socket: { reconnectStrategy } } });
    const subClient = pubClient.duplicate();
    // Errors are counted and logged by the scale-out; without a listener an 'error' would throw.
    for (const client of [pubClient, subClient]) client.on('error', () => {}).on('node-error', () => {});
    await Promise.all([pubClient.connect(), subClient.connect()]);
    logger.info('cluster: redis cluster', { nodes: redis.clusterUrls.map(hidePassword) });
    return {
      scaleOut: redisScaleOut({ pubClient, subClient, cluster: true }),
      close: async () => void (await Promise.allSettled([pubClient.close(), subClient.close()])),
    };
  }
  const pubClient = createClient({ url: redis.url, socket: { reconnectStrategy } });
  const subClient = pubClient.duplicate();
  // node-redis emits 'error' on every failed reconnect; the scale-out counts and logs them.
  pubClient.on('error', () => {});
  subClient.on('error', () => {});
  await Promise.all([pubClient.connect(), subClient.connect()]);
  logger.info('cluster: redis', { url: hidePassword(redis.url) });
  return {
    scaleOut: redisScaleOut({ pubClient, subClient }),
    close: async () => void (await Promise.allSettled([pubClient.quit(), subClient.quit()])),
  };
}
