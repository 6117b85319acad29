import type { PresenceStatus } from '@parley/protocol';

/** What one connection says about its device. */
export type DeviceStatus = 'online' | 'away';

/** One live connection of a user, as the backend keeps it until `expiresAt`. */
export interface PresenceRecord {
  userId: string;
  /** Unique across nodes (a socket.io socket id). */
  connectionId: string;
  status: DeviceStatus;
  /** When the connection last proved it is alive (a pong, a frame). */
  seenAt: number;
  /** The record counts as gone after this instant unless touched again. */
  expiresAt: number;
}

/** A user's presence aggregated over their live connections. */
export interface AggregatePresence {
  /** `online` if any live connection is online, `away` if all are away, `offline` if none is live. */
  status: PresenceStatus;
  /** When the user was last seen alive; null if never. */
  lastSeenAt: number | null;
}

/**
 * Where presence soft state lives. Async and TTL-based so that a shared backend (Redis: a hash of
 * connections per user, a sorted set of expiries, a last-seen key and a published-status key per
 * user) can back several server nodes; the in-memory one serves a single node. Nothing here is
 * ever written to the message store.
 *
 * @example
 * const chat = createChatServer({ server, store, authenticate, presence: { backend: createMemoryPresenceBackend() } });
 */
export interface PresenceBackend {
  /** Creates or refreshes connection records (a heartbeat). */
  touch(records: readonly PresenceRecord[]): Promise<void>;
  /** A connection closed: drops its record and keeps `at` as the user's last seen. */
  remove(userId: string, connectionId: string, at: number): Promise<void>;
  /**
   * Drops the records whose `expiresAt` is at or before `now` (connections that stopped
   * heartbeating, or whose node died) and returns them. Each expired record is returned to
   * exactly one caller, so only one node acts on it. Their `seenAt` becomes the last seen.
   */
  expire(now: number): Promise<PresenceRecord[]>;
  /** The aggregated presence of each named user; records past their expiry count as gone. */
  read(userIds: readonly string[], now: number): Promise<Map<string, AggregatePresence>>;
  /**
   * Records `status` as what subscribers were last told about `userId` and returns what they
   * were told before (null if nothing): the check that keeps nodes from repeating a broadcast.
   */
  swapPublished(userId: string, status: PresenceStatus): Promise<PresenceStatus | null>;
}
