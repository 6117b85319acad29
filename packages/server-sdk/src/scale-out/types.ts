import type { Server } from 'socket.io';
import type { RateLimit } from '../server/rate-limiter.js';
import type { PresenceBackend } from '../presence/presence-backend.js';

/** Takes one token for `key`; false when the caller must slow down. */
export interface Limiter {
  take(key: string): boolean | Promise<boolean>;
}

/** The socket.io adapter factory, as `io.adapter()` takes it. */
export type AdapterFactory = Parameters<Server['adapter']>[0];

/**
 * What lets several Parley nodes act as one: cross-node delivery (a socket.io adapter), limits
 * shared by all nodes, and a signal when the shared bus recovered from an outage (pushes may have
 * been lost, so clients are told to resync). `@parley/server-sdk/redis` provides one over Redis.
 */
export interface ScaleOut {
  readonly adapter: AdapterFactory;
  limiter(name: string, limit: RateLimit): Limiter;
  /** Presence shared by all nodes (used unless `createChatServer({ presence: { backend } })` names one). */
  readonly presence?: PresenceBackend;
  /** Calls `listener` each time the bus is back after an outage; returns an unsubscribe. */
  onRecovered(listener: () => void): () => void;
  /** Reports bus errors (counted in metrics, logged). */
  onError(listener: (err: unknown) => void): () => void;
  /** Releases what the scale-out set up; never closes the user's clients. */
  close(): Promise<void>;
}
