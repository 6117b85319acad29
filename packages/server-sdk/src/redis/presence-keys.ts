/**
 * The names of the presence keys. A script may touch only keys it is given, and on Redis Cluster
 * all of them must sit in one hash slot, because one script reads and writes several users' keys
 * together with the shared index of expiries. So the Cluster layout puts the hash tag `{pr}`
 * after the prefix: every presence key of a deployment lives in one slot (rate-limit buckets and
 * pub/sub channels still spread over all masters).
 *
 * The standalone layout has no tag: it is the one earlier releases wrote, so nodes of both
 * versions share presence during a rolling deploy on one Redis.
 */
export interface PresenceKeys {
  /** A hash connectionId → record JSON, per user. */
  connections(userId: string): string;
  /** A sorted set of `<user>\n<connectionId>` by expiry, shared by all users. */
  readonly expiries: string;
  /** The user's last seen, only ever raised. */
  seen(userId: string): string;
  /** The status the user's subscribers were last told. */
  published(userId: string): string;
}

export function presenceKeys(keyPrefix: string, cluster: boolean): PresenceKeys {
  const base = cluster ? `${keyPrefix}{pr}:` : `${keyPrefix}pr:`;
  const keys: PresenceKeys = {
    connections: (userId) => `${base}c:${userId}`,
    expiries: `${base}exp`,
    seen: (userId) => `${base}seen:${userId}`,
    published: (userId) => `${base}pub:${userId}`,
  };
  // A prefix holding `{}` would hash each key whole (Redis ignores an empty tag): refuse it early.
  if (cluster && hashTag(keys.expiries) !== hashTag(keys.connections('a'))) {
    throw new TypeError(`redisScaleOut: keyPrefix ${JSON.stringify(keyPrefix)} breaks the hash tag of the presence keys on Redis Cluster (an empty {} in it?)`);
  }
  return keys;
}

/** What Redis Cluster hashes of a key: the first non-empty `{…}`, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? key : key.slice(open + 1, close);
}
