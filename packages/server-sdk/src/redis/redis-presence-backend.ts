import type { PresenceStatus } from '@parley/protocol';
import type { AggregatePresence, PresenceBackend, PresenceRecord } from '../presence/presence-backend.js';
import type { RedisScripts } from './redis-scale-out.js';
import { presenceKeys } from './presence-keys.js';

// Records expire by TTL, so a node that dies leaves nothing behind for long: another node's
// sweep expires its connections. Every script touches only the KEYS it is given (on Redis
// Cluster all in one slot, see presence-keys.ts); a key it would otherwise compute from what it
// reads (the sweep's users) is found by a read first and passed to a second script.

// KEYS: expiries, then per record its user's connections and seen. ARGV: per record connection,
// record JSON, expiresAt, seenAt, expiry member.
const TOUCH = `
for i = 1, #ARGV / 5 do
  local conn, record, expiresAt, seen, member = ARGV[i * 5 - 4], ARGV[i * 5 - 3], ARGV[i * 5 - 2], tonumber(ARGV[i * 5 - 1]), ARGV[i * 5]
  local connections, seenKey = KEYS[i * 2], KEYS[i * 2 + 1]
  redis.call('HSET', connections, conn, record)
  redis.call('PEXPIRE', connections, 86400000)
  redis.call('ZADD', KEYS[1], expiresAt, member)
  if tonumber(redis.call('GET', seenKey) or '0') < seen then redis.call('SET', seenKey, seen) end
end
return 1
`;

// KEYS: connections, expiries, seen. ARGV: connection, expiry member, at.
const REMOVE = `
local at = tonumber(ARGV[3])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
if tonumber(redis.call('GET', KEYS[3]) or '0') < at then redis.call('SET', KEYS[3], at) end
return 1
`;

// KEYS: expiries. ARGV: now. The members due, at most 500 a sweep.
const DUE = `
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 500)
`;

// KEYS: expiries, then per due member its user's connections and seen. ARGV: now, then per due
// member the member and its connection. A member touched since it was read (no longer due) is
// kept; ZREM makes each expired record come back to exactly one caller.
const EXPIRE = `
local now = tonumber(ARGV[1])
local out = {}
for i = 1, (#ARGV - 1) / 2 do
  local member, conn = ARGV[i * 2], ARGV[i * 2 + 1]
  local connections, seenKey = KEYS[i * 2], KEYS[i * 2 + 1]
  local score = tonumber(redis.call('ZSCORE', KEYS[1], member))
  if score and score <= now and redis.call('ZREM', KEYS[1], member) == 1 then
    local record = redis.call('HGET', connections, conn)
    redis.call('HDEL', connections, conn)
    if record then
      -- A record a newer node wrote may not decode here: it still expires, only its seenAt is lost.
      local ok, decoded = pcall(cjson.decode, record)
      local seen = ok and type(decoded) == 'table' and tonumber(decoded.seenAt) or nil
      if seen and tonumber(redis.call('GET', seenKey) or '0') < seen then redis.call('SET', seenKey, seen) end
      table.insert(out, record)
    end
  end
end
return out
`;

// KEYS: per user seen, connections.
const READ = `
local out = {}
for i = 1, #KEYS, 2 do
  table.insert(out, cjson.encode({ seen = redis.call('GET', KEYS[i]) or false, records = redis.call('HVALS', KEYS[i + 1]) }))
end
return out
`;

const SWAP = `
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000)
return old
`;

/** A connection's member in the sorted set of expiries. */
const memberOf = (userId: string, connectionId: string) => `${userId}\n${connectionId}`;

export interface RedisPresenceOptions {
  /** The client is a Redis Cluster: the keys carry a hash tag (see presence-keys.ts). */
  cluster?: boolean;
  /** Called for a record this version cannot read (it is skipped). */
  skip?: (kind: string, cause?: unknown) => void;
}

/**
 * Presence shared by every node, in Redis: per-device records with TTLs, aggregated per user.
 * Works on a standalone Redis, a primary with replicas, or Redis Cluster (`cluster: true`).
 */
export function createRedisPresenceBackend(client: RedisScripts, keyPrefix: string, options: RedisPresenceOptions = {}): PresenceBackend {
  const keys = presenceKeys(keyPrefix, options.cluster ?? false);
  const skip = options.skip ?? (() => {});
  // Records are shared with every node, newer ones included: one this version cannot read is
  // skipped (and reported once), never allowed to fail a whole read or sweep.
  const records = (jsons: readonly string[]): PresenceRecord[] =>
    jsons.flatMap((json) => {
      const record = toRecord(json);
      if (!record) skip('presence record');
      return record ? [record] : [];
    });
  const run = (script: string, scriptKeys: string[], args: string[] = []) => client.eval(script, { keys: scriptKeys, arguments: args });
  return {
    async touch(touched) {
      if (touched.length === 0) return;
      const scriptKeys = [keys.expiries];
      const args: string[] = [];
      for (const r of touched) {
        scriptKeys.push(keys.connections(r.userId), keys.seen(r.userId));
        args.push(r.connectionId, JSON.stringify(r), String(r.expiresAt), String(r.seenAt), memberOf(r.userId, r.connectionId));
      }
      await run(TOUCH, scriptKeys, args);
    },
    async remove(userId, connectionId, at) {
      await run(REMOVE, [keys.connections(userId), keys.expiries, keys.seen(userId)], [connectionId, memberOf(userId, connectionId), String(at)]);
    },
    async expire(now) {
      const due = (await run(DUE, [keys.expiries], [String(now)])) as string[];
      const scriptKeys = [keys.expiries];
      const args = [String(now)];
      for (const member of due) {
        // Written by this version or an earlier one: `<user>\n<connectionId>`.
        const sep = member.indexOf('\n');
        if (sep === -1) continue;
        const userId = member.slice(0, sep);
        scriptKeys.push(keys.connections(userId), keys.seen(userId));
        args.push(member, member.slice(sep + 1));
      }
      if (args.length === 1) return [];
      return records((await run(EXPIRE, scriptKeys, args)) as string[]);
    },
    async read(userIds, now) {
      const out = new Map<string, AggregatePresence>();
      if (userIds.length === 0) return out;
      const rows = (await run(READ, userIds.flatMap((userId) => [keys.seen(userId), keys.connections(userId)]))) as string[];
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
      const old = await run(SWAP, [keys.published(userId)], [status]);
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
