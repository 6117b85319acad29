/**
 * `@parley/server-sdk/redis`: run many Parley nodes over Redis. Needs the optional peer
 * dependencies `redis` (node-redis v4+) and `@socket.io/redis-adapter`.
 */
export { redisScaleOut, type RedisScaleOutOptions, type RedisCommands } from './redis/redis-scale-out.js';
export type { ScaleOut, Limiter } from './scale-out/types.js';
