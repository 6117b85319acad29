import { ErrorCode, isParleyError, ParleyError } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import type { ChatMetrics } from './chat-metrics.js';

/**
 * Wraps a store so every call's latency and failures land in the metrics, and a failing store
 * reaches clients as the documented, retryable `UNAVAILABLE` (the driver's error kept as `cause`
 * for the logs) rather than as an internal error. A proxy, so methods a store adds beyond the
 * contract (and methods the contract gains later) are covered too.
 */
export function instrumentStore<S extends ChatStore>(store: S, metrics: ChatMetrics): S {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      let wrapped = cache.get(prop);
      if (!wrapped) {
        const fn = value as (...args: unknown[]) => unknown;
        wrapped = async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await fn.apply(target, args);
          } catch (err) {
            // A refusal the contract defines (a block list past its limit: LIMIT_EXCEEDED) is the
            // store working as it should, not failing: counting it would page operators for users.
            if (!isParleyError(err) || err.retryable) metrics.storeErrors.inc({ op: prop });
            throw isParleyError(err) ? err : new ParleyError(ErrorCode.UNAVAILABLE, 'the store is unavailable, retry', { cause: err });
          } finally {
            metrics.storeLatency.observe((performance.now() - started) / 1000, { op: prop });
          }
        };
        cache.set(prop, wrapped);
      }
      return wrapped;
    },
  });
}
