import type { RedisClusterCommands, RedisCommands } from './redis-scale-out.js';

/** What the scale-out hears from its subscriber: a loss (an error or a dropped link) and the recovery after it. */
export interface SubscriberEvents {
  onError(err: unknown): void;
  /** The subscriber is back after a loss: pushes published meanwhile are gone. */
  onRecovered(): void;
}

/**
 * Watches a single client's subscriber connection: an error or an end is a loss (a push
 * published meanwhile, or dropped because the subscriber fell behind Redis' output buffer limit,
 * is gone), and the next `ready` after a loss is the recovery. Returns the unwatch.
 */
export function watchSubscriber(client: RedisCommands, events: SubscriberEvents): () => void {
  let lost = false;
  const onError = (err: unknown) => {
    lost = true;
    events.onError(err);
  };
  const onEnd = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    events.onRecovered();
  };
  client.on('error', onError);
  client.on('end', onEnd);
  client.on('ready', onReady);
  return () => {
    client.off('error', onError);
    client.off('end', onEnd);
    client.off('ready', onReady);
  };
}

type NodeConnection = NonNullable<RedisClusterCommands['masters'][number]['pubSub']>['client'];

/**
 * Watches a Redis Cluster client's subscriber connections (one per master it subscribes on). A
 * node error or reconnect is a loss; the recovery is when every master's sharded pub/sub
 * connection is ready again. The cluster tells of a node's first `ready` only, so the
 * connections that are down are watched themselves until they are back. Returns the unwatch.
 */
export function watchClusterSubscriber(cluster: RedisClusterCommands, events: SubscriberEvents): () => void {
  let lost = false;
  let watching = true;
  const awaited = new Set<NodeConnection>();
  const check = () => {
    if (!lost || !watching) return;
    const down = cluster.masters.flatMap((master) => (master.pubSub && !master.pubSub.client.isReady ? [master.pubSub.client] : []));
    for (const connection of down) {
      if (awaited.has(connection)) continue;
      awaited.add(connection);
      connection.once('ready', () => {
        awaited.delete(connection);
        check();
      });
    }
    if (down.length > 0) return;
    lost = false;
    events.onRecovered();
  };
  const onNodeError = (err: unknown) => {
    lost = true;
    events.onError(err);
    check();
  };
  const onNodeReconnecting = () => {
    lost = true;
    check();
  };
  cluster.on('error', events.onError);
  cluster.on('node-error', onNodeError);
  cluster.on('node-reconnecting', onNodeReconnecting);
  // A master's connection made anew (after the cluster's layout changed) may be the last one
  // back; one closed for good (no channel left on its master) is no longer awaited.
  cluster.on('node-ready', check);
  cluster.on('node-disconnect', check);
  return () => {
    watching = false;
    cluster.off('error', events.onError);
    cluster.off('node-error', onNodeError);
    cluster.off('node-reconnecting', onNodeReconnecting);
    cluster.off('node-ready', check);
    cluster.off('node-disconnect', check);
  };
}
