import type * as RedisAdapter from '@socket.io/redis-adapter';
import { requirePeer } from '../optional-peer.js';
import type { ScaleOut } from '../scale-out/types.js';
import { createRedisLimiter } from './redis-limiter.js';
import { withHandledPublishes } from './handled-publishes.js';
import { createSkipReporter, tolerantAdapter } from './tolerant-adapter.js';
import { versionBridge } from './version-bridge.js';
import { createRedisPresenceBackend } from './redis-presence-backend.js';

/**
 * The part of a node-redis (v4+) client Parley uses for its own keys. Pass your own connected
 * clients; Parley never closes them.
 */
export interface RedisCommands {
  readonly isReady: boolean;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  on(event: 'error' | 'ready' | 'end', listener: (...args: unknown[]) => void): unknown;
  off(event: 'error' | 'ready' | 'end', listener: (...args: unknown[]) => void): unknown;
}

export interface RedisScaleOutOptions {
  /** A connected node-redis client for commands and publishing. */
  pubClient: RedisCommands;
  /** A second connected client (socket.io's adapter puts it in subscriber mode). */
  subClient: RedisCommands;
  /** Use sharded pub/sub (`SPUBLISH`, Redis ≥ 7, required on Redis Cluster). Default false. */
  sharded?: boolean;
  /** Prefix of every key and channel Parley uses. Default `parley:`. */
  keyPrefix?: string;
}

/**
 * Several Parley nodes behind a load balancer, over Redis: cross-node fan-out with
 * `@socket.io/redis-adapter` (optionally sharded), rate limits and presence (per-device TTL
 * records) shared by all nodes, and a resync
 * signal when the subscriber connection recovers (a push published while it was down, or dropped
 * because it fell behind Redis' output buffer limit, is never silently lost: clients resync).
 *
 * @example
 * import { createClient } from 'redis';
 * import { redisScaleOut } from '@parley/server-sdk/redis';
 *
 * const pubClient = createClient({ url: process.env.REDIS_URL });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 * createChatServer({ server, store, authenticate, scaleOut: redisScaleOut({ pubClient, subClient }) });
 */
export function redisScaleOut(options: RedisScaleOutOptions): ScaleOut {
  const prefix = options.keyPrefix ?? 'parley:';
  const recovered = new Set<() => void>();
  const errors = new Set<(err: unknown) => void>();
  const reportError = (err: unknown) => {
    for (const listener of errors) listener(err);
  };
  // A subscriber that reconnects has missed whatever was published meanwhile.
  let lost = false;
  const onSubError = (err: unknown) => {
    lost = true;
    reportError(err);
  };
  const onSubEnd = () => {
    lost = true;
  };
  const onSubReady = () => {
    if (!lost) return;
    lost = false;
    for (const listener of recovered) listener();
  };
  const onPubError = (err: unknown) => reportError(err);
  options.subClient.on('error', onSubError);
  options.subClient.on('end', onSubEnd);
  options.subClient.on('ready', onSubReady);
  options.pubClient.on('error', onPubError);

  const { createAdapter, createShardedAdapter } = requirePeer<typeof RedisAdapter>('@socket.io/redis-adapter', 'Redis scale-out', '^8.3');
  // A publish in flight when Redis drops must not take the process down with it.
  const publisher = withHandledPublishes(options.pubClient, reportError);
  // A newer node on the same bus may publish what this version cannot read: skip it, say so once.
  const skip = createSkipReporter(reportError);
  // Older clients here get what a node from before negotiation broadcasts in their own form.
  const adapter = tolerantAdapter(
    options.sharded
      ? versionBridge(createShardedAdapter(publisher, options.subClient, { channelPrefix: `${prefix}sio` }))
      : versionBridge(createAdapter(publisher, options.subClient, { key: `${prefix}sio` })),
    skip,
  );

  return {
    adapter,
    limiter: (name, limit) => createRedisLimiter(options.pubClient, prefix, name, limit, reportError),
    presence: createRedisPresenceBackend(options.pubClient, prefix, skip),
    onRecovered(listener) {
      recovered.add(listener);
      return () => recovered.delete(listener);
    },
    onError(listener) {
      errors.add(listener);
      return () => errors.delete(listener);
    },
    async close() {
      options.subClient.off('error', onSubError);
      options.subClient.off('end', onSubEnd);
      options.subClient.off('ready', onSubReady);
      options.pubClient.off('error', onPubError);
      recovered.clear();
      errors.clear();
    },
  };
}
