/** The commands with which the socket.io Redis adapters publish. */
const PUBLISHES = new Set<PropertyKey>(['publish', 'PUBLISH', 'sPublish', 'SPUBLISH']);

/**
 * The caller's client as the socket.io adapter may use it: the adapter fires `publish` without
 * handling the promise, and a command in flight when Redis drops rejects (`ECONNRESET`, "Socket
 * closed unexpectedly"). Unhandled, that rejection ends the Node process: every node would die
 * with Redis. Here each publish's rejection is reported instead; what it carried is not lost for
 * good, since the subscriber's recovery makes every node's clients resync.
 *
 * The client itself is left untouched (it is the caller's): this is a view over it whose methods
 * run on the client, so node-redis' private fields keep working.
 *
 * @example
 * createAdapter(withHandledPublishes(pubClient, reportError), subClient);
 */
export function withHandledPublishes<T extends object>(client: T, onError: (err: unknown) => void): T {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      if (!PUBLISHES.has(property)) return value.bind(target) as unknown;
      return (...args: unknown[]) => {
        const result: unknown = Reflect.apply(value, target, args);
        void Promise.resolve(result).catch(onError);
        return result;
      };
    },
  });
}
