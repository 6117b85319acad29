import type { RateLimit } from '../server/rate-limiter.js';
import type { Limiter } from '../scale-out/types.js';
import type { RedisScripts } from './redis-scale-out.js';

// A token bucket in one hash per key, refilled by Redis' own clock so node clocks never matter.
const TOKEN_BUCKET = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local data = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(data[1]) or burst
local at = tonumber(data[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return ok
`;

/** How long a limit check may wait for Redis before the request is let through. */
const CHECK_TIMEOUT_MS = 50;

/**
 * A rate limit shared by every node. It fails open: when Redis is slow or down, requests pass
 * (and the error is reported), because a chat that refuses to send while Redis blips is worse
 * than one that is briefly unlimited.
 */
export function createRedisLimiter(
  client: RedisScripts,
  ready: () => boolean,
  keyPrefix: string,
  name: string,
  limit: RateLimit,
  onError: (err: unknown) => void,
): Limiter {
  const perMs = limit.perSecond / 1000;
  return {
    async take(key) {
      if (!Number.isFinite(limit.perSecond)) return true;
      if (!ready()) return true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS)));
      try {
        const result = await Promise.race([
          client.eval(TOKEN_BUCKET, { keys: [`${keyPrefix}rl:${name}:${key}`], arguments: [String(perMs), String(limit.burst)] }),
          timeout,
        ]);
        return result === 'timeout' ? true : Number(result) === 1;
      } catch (err) {
        onError(err);
        return true;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
