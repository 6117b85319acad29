/**
 * `@parley/server-sdk/redis`: run many Parley nodes over Redis or Redis Cluster. Needs the
 * optional peer dependencies `redis` (node-redis v4+; v5 for Redis Cluster) and
 * `@socket.io/redis-adapter`.
 */
export {
  redisScaleOut,
  type RedisScaleOutOptions,
  type RedisStandaloneScaleOutOptions,
  type RedisClusterScaleOutOptions,
  type RedisCommands,
  type RedisClusterCommands,
  type RedisScripts,
} from './redis/redis-scale-out.js';
export type { ScaleOut, Limiter } from './scale-out/types.js';
