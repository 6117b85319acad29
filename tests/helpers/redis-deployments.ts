import { createClient, createCluster } from 'redis';
import { redisScaleOut, type ScaleOut } from '@parley/server-sdk/redis';
import { startRedis } from './redis-server.js';
import { startRedisCluster } from './redis-cluster.js';

/** A node's Redis side: its scale-out over its own clients, and how to let go of them. */
export interface RedisConnection {
  readonly scaleOut: ScaleOut;
  close(): Promise<void>;
}

/** One Redis the nodes of a test share: a single server or a Redis Cluster, started for the test file. */
export interface RedisDeployment {
  readonly name: string;
  /** How `parley-server` joins it: `REDIS_URL`, or `REDIS_CLUSTER_URLS` (every master). */
  readonly serverEnv: Record<string, string>;
  /** Connects a node's pair of clients (command/publish and subscribe) and builds its scale-out on them. */
  connect(keyPrefix: string): Promise<RedisConnection>;
  /** An outage: kills every Redis process (the clients keep trying to reconnect). */
  stop(): Promise<void>;
  /** Back after an outage, on the same ports (a cluster ok again), without the data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Reconnect forever with a capped delay, as a node must to outlive a Redis restart. */
const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** retries, 1000);

/** A single redis-server (with `extraArgs` as config); nodes use plain pub/sub, `redisScaleOut`'s default. */
export async function startSingleRedis(extraArgs: string[] = []): Promise<RedisDeployment> {
  const redis = await startRedis(extraArgs);
  return {
    name: 'Redis',
    serverEnv: { REDIS_URL: redis.url },
    async connect(keyPrefix) {
      const pubClient = createClient({ url: redis.url, socket: { reconnectStrategy } });
      const subClient = pubClient.duplicate();
      // node-redis emits 'error' on each failed reconnect; the scale-out reports them.
      for (const client of [pubClient, subClient]) client.on('error', () => {});
      await Promise.all([pubClient.connect(), subClient.connect()]);
      return {
        scaleOut: redisScaleOut({ pubClient, subClient, keyPrefix }),
        close: async () => void (await Promise.allSettled([pubClient.close(), subClient.close()])),
      };
    },
    stop: () => redis.stop(),
    start: () => redis.start(),
    close: () => redis.close(),
  };
}

/** A three-master Redis Cluster (each with `extraArgs`); nodes use `createCluster` clients and `redisScaleOut({ cluster: true })`. */
export async function startClusterRedis(extraArgs: string[] = []): Promise<RedisDeployment> {
  const cluster = await startRedisCluster(3, extraArgs);
  return {
    name: 'Redis Cluster',
    serverEnv: { REDIS_CLUSTER_URLS: cluster.urls.join(',') },
    async connect(keyPrefix) {
      const pubClient = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })), defaults: { socket: { reconnectStrategy } } });
      const subClient = pubClient.duplicate();
      for (const client of [pubClient, subClient]) client.on('error', () => {}).on('node-error', () => {});
      await Promise.all([pubClient.connect(), subClient.connect()]);
      return {
        scaleOut: redisScaleOut({ pubClient, subClient, keyPrefix, cluster: true }),
        close: async () => void (await Promise.allSettled([pubClient.close(), subClient.close()])),
      };
    },
    stop: () => cluster.stop(),
    start: () => cluster.start(),
    close: () => cluster.close(),
  };
}

/** For `describe.each`: every kind of Redis the scale-out suite runs on. */
export const REDIS_DEPLOYMENTS = [
  ['Redis', startSingleRedis],
  ['Redis Cluster', startClusterRedis],
] as const;
