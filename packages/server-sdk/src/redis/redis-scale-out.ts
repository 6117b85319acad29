import type * as RedisAdapter from '@socket.io/redis-adapter';
import { requirePeer } from '../optional-peer.js';
import type { ScaleOut } from '../scale-out/types.js';
import { createRedisLimiter } from './redis-limiter.js';
import { withHandledCommands } from './handled-commands.js';
import { createSkipReporter, tolerantAdapter } from './tolerant-adapter.js';
import { versionBridge } from './version-bridge.js';
import { createRedisPresenceBackend } from './redis-presence-backend.js';
import { watchClusterSubscriber, watchSubscriber } from './subscriber-watch.js';

/** Runs a Lua script: the one command Parley's own keys (rate limits, presence) need. */
export interface RedisScripts {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/**
 * The part of a node-redis (v4+) client Parley uses for its own keys. Pass your own connected
 * clients; Parley never closes them.
 */
export interface RedisCommands extends RedisScripts {
  readonly isReady: boolean;
  on(event: 'error' | 'ready' | 'end', listener: (...args: unknown[]) => void): unknown;
  off(event: 'error' | 'ready' | 'end', listener: (...args: unknown[]) => void): unknown;
}

/** The events of a node-redis cluster client Parley listens to. */
export type RedisClusterEvent = 'error' | 'node-error' | 'node-reconnecting' | 'node-ready' | 'node-disconnect';

/**
 * The part of a node-redis (v5) Redis Cluster client (`createCluster`) Parley uses: scripts,
 * its events, and its masters' sharded pub/sub connections (to know when the subscriber is back
 * after an outage). Pass your own connected clients; Parley never closes them.
 */
export interface RedisClusterCommands extends RedisScripts {
  readonly masters: ReadonlyArray<{
    readonly pubSub?: { readonly client: { readonly isReady: boolean; once(event: 'ready', listener: () => void): unknown } } | undefined;
  }>;
  on(event: RedisClusterEvent, listener: (...args: unknown[]) => void): unknown;
  off(event: RedisClusterEvent, listener: (...args: unknown[]) => void): unknown;
}

interface RedisScaleOutCommon {
  /** Prefix of every key and channel Parley uses. Default `parley:`. */
  keyPrefix?: string;
}

/** A standalone Redis (or a primary with replicas): node-redis `createClient` clients. */
export interface RedisStandaloneScaleOutOptions extends RedisScaleOutCommon {
  cluster?: false;
  /** A connected node-redis client for commands and publishing. */
  pubClient: RedisCommands;
  /** A second connected client (socket.io's adapter puts it in subscriber mode). */
  subClient: RedisCommands;
  /** Use sharded pub/sub (`SPUBLISH`, Redis ≥ 7). Default false. */
  sharded?: boolean;
}

/**
 * Redis Cluster: node-redis `createCluster` clients. Pub/sub is sharded (`SPUBLISH`, Redis ≥ 7),
 * so each room's channel lives on one master; presence keys carry the hash tag `{pr}` (one slot).
 */
export interface RedisClusterScaleOutOptions extends RedisScaleOutCommon {
  cluster: true;
  /** A connected cluster client for commands and publishing. */
  pubClient: RedisClusterCommands;
  /** A second one for subscribing (`pubClient.duplicate()`, connected). */
  subClient: RedisClusterCommands;
}

export type RedisScaleOutOptions = RedisStandaloneScaleOutOptions | RedisClusterScaleOutOptions;

/**
 * Several Parley nodes behind a load balancer, over one Redis or a Redis Cluster: cross-node
 * fan-out with `@socket.io/redis-adapter` (sharded on a cluster), rate limits and presence
 * (per-device TTL records) shared by all nodes, and a resync signal when the subscriber
 * connection recovers (a push published while it was down, or dropped because it fell behind
 * Redis' output buffer limit, is never silently lost: clients resync).
 *
 * @example
 * import { createClient } from 'redis';
 * import { redisScaleOut } from '@parley/server-sdk/redis';
 *
 * const pubClient = createClient({ url: process.env.REDIS_URL });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 * createChatServer({ server, store, authenticate, scaleOut: redisScaleOut({ pubClient, subClient }) });
 *
 * @example
 * // Redis Cluster (Redis 7+, node-redis 5): any reachable nodes, the others are discovered.
 * import { createCluster } from 'redis';
 *
 * const pubClient = createCluster({ rootNodes: [{ url: 'redis://10.0.0.11:6379' }] });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 * createChatServer({ server, store, authenticate, scaleOut: redisScaleOut({ pubClient, subClient, cluster: true }) });
 */
export function redisScaleOut(options: RedisScaleOutOptions): ScaleOut {
  const prefix = options.keyPrefix ?? 'parley:';
  const recovered = new Set<() => void>();
  const errors = new Set<(err: unknown) => void>();
  const reportError = (err: unknown) => {
    for (const listener of errors) listener(err);
  };
  // A subscriber that reconnects has missed whatever was published meanwhile.
  const subscriberEvents = {
    onError: reportError,
    onRecovered() {
      for (const listener of recovered) listener();
    },
  };
  const unwatch: Array<() => void> = [];
  // Whether a limit check may ask Redis now; a cluster has no one readiness, so there a check
  // relies on its timeout alone.
  let ready: () => boolean;
  if (options.cluster) {
    ready = () => true;
    unwatch.push(watchClusterSubscriber(options.subClient, subscriberEvents));
    const pub = options.pubClient;
    pub.on('error', reportError);
    pub.on('node-error', reportError);
    unwatch.push(() => {
      pub.off('error', reportError);
      pub.off('node-error', reportError);
    });
  } else {
    unwatch.push(watchSubscriber(options.subClient, subscriberEvents));
    const pub = options.pubClient;
    ready = () => pub.isReady;
    pub.on('error', reportError);
    unwatch.push(() => pub.off('error', reportError));
  }

  const { createAdapter, createShardedAdapter } = requirePeer<typeof RedisAdapter>('@socket.io/redis-adapter', 'Redis scale-out', '^8.3');
  // A publish or subscribe in flight when Redis drops must not take the process down with it.
  const publisher = withHandledCommands(options.pubClient, reportError);
  const subscriber = withHandledCommands(options.subClient, reportError);
  // A newer node on the same bus may publish what this version cannot read: skip it, say so once.
  const skip = createSkipReporter(reportError);
  // Older clients here get what a node from before negotiation broadcasts in their own form.
  const adapter = tolerantAdapter(
    options.cluster || options.sharded
      ? versionBridge(createShardedAdapter(publisher, subscriber, { channelPrefix: `${prefix}sio` }))
      : versionBridge(createAdapter(publisher, subscriber, { key: `${prefix}sio` })),
    skip,
  );

  return {
    adapter,
    limiter: (name, limit) => createRedisLimiter(options.pubClient, ready, prefix, name, limit, reportError),
    presence: createRedisPresenceBackend(options.pubClient, prefix, { cluster: options.cluster === true, skip }),
    onRecovered(listener) {
      recovered.add(listener);
      return () => recovered.delete(listener);
    },
    onError(listener) {
      errors.add(listener);
      return () => errors.delete(listener);
    },
    async close() {
      for (const stop of unwatch.splice(0)) stop();
      recovered.clear();
      errors.clear();
    },
  };
}
