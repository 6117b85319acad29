/**
 * The commands the socket.io Redis adapters fire without handling their promise: publishes on
 * the publishing client, (un)subscribes on the subscribing one (the sharded adapter subscribes
 * and unsubscribes a channel each time a room appears or empties on this node).
 */
const UNHANDLED = new Set<PropertyKey>([
  'publish', 'PUBLISH', 'sPublish', 'SPUBLISH',
  'subscribe', 'SUBSCRIBE', 'unsubscribe', 'UNSUBSCRIBE',
  'pSubscribe', 'PSUBSCRIBE', 'pUnsubscribe', 'PUNSUBSCRIBE',
  'sSubscribe', 'SSUBSCRIBE', 'sUnsubscribe', 'SUNSUBSCRIBE',
]);

/**
 * The caller's client as the socket.io adapter may use it: the adapter fires those commands
 * without handling the promise, and one in flight when Redis drops rejects (`ECONNRESET`,
 * "Socket closed unexpectedly"), as does an unsubscribe racing the client's close ("The client is
 * closed", on Redis Cluster). Unhandled, that rejection ends the Node process: every node would
 * die with Redis. Here each such rejection is reported instead; what a publish carried is not
 * lost for good, since the subscriber's recovery makes every node's clients resync.
 *
 * The client itself is left untouched (it is the caller's): this is a view over it whose methods
 * run on the client, so node-redis' private fields keep working.
 *
 * @example
 * createAdapter(withHandledCommands(pubClient, reportError), withHandledCommands(subClient, reportError));
 */
export function withHandledCommands<T extends object>(client: T, onError: (err: unknown) => void): T {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (!UNHANDLED.has(property)) return value.bind(target) as unknown;
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args);
        void Promise.resolve(result).catch(onError);
        return result;
      };
    },
  });
}
