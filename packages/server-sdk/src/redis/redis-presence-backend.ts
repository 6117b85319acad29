import type { PresenceStatus } from '@parley/protocol';
import type { AggregatePresence, PresenceBackend, PresenceRecord } from '../presence/presence-backend.js';
import type { RedisCommands } from './redis-scale-out.js';

// Keys (all under the prefix): `pr:c:<user>` a hash connectionId → record JSON; `pr:exp` a sorted
// set of "<user>\n<connectionId>" by expiry; `pr:seen:<user>` last seen (only ever raised);
// `pr:pub:<user>` the status subscribers were last told. Records expire by TTL, so a node that
// dies leaves nothing behind for long: another node's sweep expires its connections.

const TOUCH = `
local p = ARGV[1]
for i = 2, #ARGV, 4 do
  local user, conn, record, expiresAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  redis.call('HSET', p .. 'pr:c:' .. user, conn, record)
  redis.call('PEXPIRE', p .. 'pr:c:' .. user, 86400000)
  redis.call('ZADD', p .. 'pr:exp', expiresAt, user .. '\\n' .. conn)
  local seen = cjson.decode(record).seenAt
  local key = p .. 'pr:seen:' .. user
  if tonumber(redis.call('GET', key) or '0') < seen then redis.call('SET', key, seen) end
end
return 1
`;

const REMOVE = `
local p, user, conn, at = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
redis.call('HDEL', p .. 'pr:c:' .. user, conn)
redis.call('ZREM', p .. 'pr:exp', user .. '\\n' .. conn)
local key = p .. 'pr:seen:' .. user
if tonumber(redis.call('GET', key) or '0') < at then redis.call('SET', key, at) end
return 1
`;

// ZREM inside the same script makes each expired record come back to exactly one caller.
const EXPIRE = `
local p, now = ARGV[1], ARGV[2]
local members = redis.call('ZRANGEBYSCORE', p .. 'pr:exp', '-inf', now, 'LIMIT', 0, 500)
local out = {}
for _, member in ipairs(members) do
  if redis.call('ZREM', p .. 'pr:exp', member) == 1 then
    local sep = string.find(member, '\\n', 1, true)
    local user, conn = string.sub(member, 1, sep - 1), string.sub(member, sep + 1)
    local record = redis.call('HGET', p .. 'pr:c:' .. user, conn)
    redis.call('HDEL', p .. 'pr:c:' .. user, conn)
    if record then
      -- A record a newer node wrote may not decode here: it still expires, only its seenAt is lost.
      local ok, decoded = pcall(cjson.decode, record)
      local seen = ok and type(decoded) == 'table' and tonumber(decoded.seenAt) or nil
      local key = p .. 'pr:seen:' .. user
      if seen and tonumber(redis.call('GET', key) or '0') < seen then redis.call('SET', key, seen) end
      table.insert(out, record)
    end
  end
end
return out
`;

const READ = `
local p = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local user = ARGV[i]
  table.insert(out, cjson.encode({ seen = redis.call('GET', p .. 'pr:seen:' .. user) or false, records = redis.call('HVALS', p .. 'pr:c:' .. user) }))
end
return out
`;

const SWAP = `
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000)
return old
`;

/**
 * Presence shared by every node, in Redis: per-device records with TTLs, aggregated per user.
 * Works on a standalone Redis or a primary with replicas (the scripts touch keys they compute,
 * so Redis Cluster is not supported for presence).
 */
export function createRedisPresenceBackend(
  client: RedisCommands,
  keyPrefix: string,
  skip: (kind: string, cause?: unknown) => void = () => {},
): PresenceBackend {
  // Records are shared with every node, newer ones included: one this version cannot read is
  // skipped (and reported once), never allowed to fail a whole read or sweep.
  const records = (jsons: readonly string[]): PresenceRecord[] =>
    jsons.flatMap((json) => {
      const record = toRecord(json);
      if (!record) skip('presence record');
      return record ? [record] : [];
    });
  const run = (script: string, args: string[], keys: string[] = []) => client.eval(script, { keys, arguments: args });
  return {
    async touch(records) {
      if (records.length === 0) return;
      const args = [keyPrefix];
      for (const r of records) args.push(r.userId, r.connectionId, JSON.stringify(r), String(r.expiresAt));
      await run(TOUCH, args);
    },
    async remove(userId, connectionId, at) {
      await run(REMOVE, [keyPrefix, userId, connectionId, String(at)]);
    },
    async expire(now) {
      return records((await run(EXPIRE, [keyPrefix, String(now)])) as string[]);
    },
    async read(userIds, now) {
      const out = new Map<string, AggregatePresence>();
      if (userIds.length === 0) return out;
      const rows = (await run(READ, [keyPrefix, ...userIds])) as string[];
      rows.forEach((json, i) => {
        const row = JSON.parse(json) as { seen: string | false; records: string[] | Record<string, never> };
        // cjson encodes an empty Lua table as an object.
        const live = records(Array.isArray(row.records) ? row.records : []).filter((r) => r.expiresAt > now);
        const status: PresenceStatus = live.some((r) => r.status === 'online') ? 'online' : live.length > 0 ? 'away' : 'offline';
        const seen = row.seen === false ? null : Number(row.seen);
        const liveSeen = live.reduce<number | null>((max, r) => (max === null || r.seenAt > max ? r.seenAt : max), null);
        const lastSeenAt = liveSeen === null ? seen : seen === null ? liveSeen : Math.max(seen, liveSeen);
        out.set(userIds[i]!, { status, lastSeenAt });
      });
      return out;
    },
    async swapPublished(userId, status) {
      const old = await run(SWAP, [status], [`${keyPrefix}pr:pub:${userId}`]);
      return typeof old === 'string' ? (old as PresenceStatus) : null;
    },
  };
}

/**
 * A record as this version reads it, or null when it cannot: the fields aggregation needs, with
 * a status this version does not know counted as `away` (the device is there, not known active).
 */
function toRecord(json: string): PresenceRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { userId, connectionId, status, seenAt, expiresAt } = value as Record<string, unknown>;
  if (typeof userId !== 'string' || typeof connectionId !== 'string') return null;
  if (typeof seenAt !== 'number' || typeof expiresAt !== 'number') return null;
  return { userId, connectionId, status: status === 'online' ? 'online' : 'away', seenAt, expiresAt };
}
