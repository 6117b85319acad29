import { ErrorCode, ParleyError, type PresenceFrame, type UserPresence } from '@parley/protocol';
import type { ChatStore, StoredUserSettings } from '../store/types.js';
import type { Logger } from '../logger.js';
import type { AggregatePresence, DeviceStatus, PresenceBackend } from './presence-backend.js';
import { createMemoryPresenceBackend } from './memory-presence-backend.js';
import { emitToRooms, isPresenceRoom, joinRoom, leaveRoom, leaveRooms, presenceRoom, userRoom, type FanoutTarget } from '../server/fanout.js';

/**
 * @example
 * createChatServer({ server, store, authenticate, presence: { ttlMs: 30_000, graceMs: 3_000, heartbeatMs: 5_000 } });
 */
export interface PresenceOptions {
  /** Where presence lives. Default: this process's memory (one node). */
  backend?: PresenceBackend;
  /**
   * A connection that shows no sign of life (no pong, no frame) for this long counts as gone,
   * even if its socket looks open. Keep it above socket.io's ping interval plus `heartbeatMs`.
   * Default 60 000.
   */
  ttlMs?: number;
  /** A user must stay offline this long before subscribers are told, so flapping stays silent. Default 5 000. */
  graceMs?: number;
  /** How often each node refreshes its connections' records and expires dead ones. Default 10 000. */
  heartbeatMs?: number;
}

/** The connection facts presence needs; a subset of the server's `Connection`. */
export interface PresenceConnection {
  userId: string;
  socket: {
    id: string;
    conn: { on(event: 'packet', listener: () => void): unknown };
    /** The rooms the socket is in: its presence subscriptions are the `presence:` ones. */
    readonly rooms: ReadonlySet<string>;
    join(room: string | string[]): unknown;
    leave(room: string): unknown;
    disconnect(close?: boolean): unknown;
  };
  /** The connection's protocol version: an older one joins its version's rooms too. */
  protocol: number;
}

export interface PresenceService {
  connected(conn: PresenceConnection): Promise<void>;
  disconnected(conn: PresenceConnection): Promise<void>;
  setStatus(conn: PresenceConnection, status: DeviceStatus): Promise<void>;
  /**
   * Follows the users who share a conversation with the caller and neither block nor are blocked
   * by them; the rest are denied. Checked here and again on every membership change (see
   * `membershipsEnded`); a new block ends a subscription at once (server/blocks.ts).
   */
  subscribe(conn: PresenceConnection, userIds: readonly string[]): Promise<{ users: UserPresence[]; denied: string[] }>;
  unsubscribe(conn: PresenceConnection, userIds: readonly string[]): void;
  /**
   * `removed` left a conversation whose members are now `remaining`: every pair among them that
   * shares no conversation any more stops following each other, on every node.
   */
  membershipsEnded(removed: readonly string[], remaining: readonly string[]): Promise<void>;
  /** A user's privacy settings changed: tell their subscribers what they may now see. */
  settingsChanged(userId: string): Promise<void>;
  /** Of `userIds`, those with a live connection (online or away) on any node: notifications wait for them. */
  online(userIds: readonly string[]): Promise<Set<string>>;
  close(): void;
}

interface Local {
  conn: PresenceConnection;
  status: DeviceStatus;
  seenAt: number;
}

/**
 * A connection's subscriptions are its presence rooms, not a list of our own: a membership change
 * on any node takes a socket out of a room through the adapter, and the count follows.
 */
const subscriptionsOf = (conn: PresenceConnection) => [...conn.socket.rooms].filter(isPresenceRoom);

/** What a subscriber may see of a user, given their privacy settings. */
export function visiblePresence(userId: string, presence: AggregatePresence, settings: StoredUserSettings | undefined): UserPresence {
  if (settings?.presence === false) return { userId, status: 'offline', lastSeenAt: null };
  const lastSeenAt = presence.status === 'offline' && settings?.lastSeen !== false ? presence.lastSeenAt : null;
  return { userId, status: presence.status, lastSeenAt };
}

/**
 * Presence over a `PresenceBackend`: each node heartbeats the connections it holds, expires the
 * ones that stopped answering (on any node), and tells subscribers when a user's aggregate status
 * changes: at once for online/away, after the grace period for offline, once per change.
 */
export function createPresenceService(deps: {
  fanout: FanoutTarget;
  store: ChatStore;
  logger: Logger;
  maxSubscriptions: number;
  options?: PresenceOptions;
  now?: () => number;
}): PresenceService {
  const backend = deps.options?.backend ?? createMemoryPresenceBackend();
  const ttlMs = deps.options?.ttlMs ?? 60_000;
  const graceMs = deps.options?.graceMs ?? 5_000;
  const heartbeatMs = deps.options?.heartbeatMs ?? 10_000;
  const now = deps.now ?? Date.now;
  const local = new Map<string, Local>();
  const settling = new Map<string, ReturnType<typeof setTimeout>>();
  let closed = false;

  const record = (entry: Local) => ({
    userId: entry.conn.userId,
    connectionId: entry.conn.socket.id,
    status: entry.status,
    seenAt: entry.seenAt,
    expiresAt: entry.seenAt + ttlMs,
  });

  /** Of `ids`, those `userId` may follow: they share a conversation, and neither blocks the other (server/blocks.ts). */
  const followable = async (userId: string, ids: readonly string[]): Promise<string[]> => {
    const shared = await deps.store.filterCoMembers(userId, [...ids]);
    const blocked = new Set(shared.length > 0 ? await deps.store.blockedBetween(userId, shared) : []);
    return shared.filter((id) => !blocked.has(id));
  };

  const failed = (what: string) => (err: unknown) => deps.logger.error(`presence: ${what} failed`, { err });

  async function publish(userId: string, force = false): Promise<void> {
    const [presence, settings] = await Promise.all([backend.read([userId], now()), deps.store.getUserSettings([userId])]);
    const view = visiblePresence(userId, presence.get(userId) ?? { status: 'offline', lastSeenAt: null }, settings.get(userId));
    const before = await backend.swapPublished(userId, view.status);
    if (before === view.status && !force) return;
    const frame: PresenceFrame = { type: 'presence', ...view };
    emitToRooms(deps.fanout, [presenceRoom(userId)], frame);
  }

  /** Offline is only told once it has lasted the grace period; a reconnect in between says nothing. */
  function settleLater(userId: string): void {
    if (closed) return;
    clearTimeout(settling.get(userId));
    const timer = setTimeout(() => {
      settling.delete(userId);
      publish(userId).catch(failed('settle'));
    }, graceMs);
    timer.unref?.();
    settling.set(userId, timer);
  }

  async function refresh(userId: string): Promise<void> {
    const presence = (await backend.read([userId], now())).get(userId);
    if (!presence || presence.status === 'offline') settleLater(userId);
    else await publish(userId);
  }

  async function heartbeat(): Promise<void> {
    const at = now();
    const alive = [...local.values()].filter((entry) => entry.seenAt + ttlMs > at).map(record);
    if (alive.length > 0) await backend.touch(alive);
    const expired = await backend.expire(at);
    for (const gone of expired) {
      // A socket that stopped answering is closed too; if it was only slow, its client reconnects.
      local.get(gone.connectionId)?.conn.socket.disconnect(true);
      settleLater(gone.userId);
    }
  }

  const timer = setInterval(() => void heartbeat().catch(failed('heartbeat')), heartbeatMs);
  timer.unref?.();

  return {
    async connected(conn) {
      const entry: Local = { conn, status: 'online', seenAt: now() };
      local.set(conn.socket.id, entry);
      // Every packet, socket.io's pongs included, proves the client is alive.
      conn.socket.conn.on('packet', () => void (entry.seenAt = now()));
      await backend.touch([record(entry)]);
      await refresh(conn.userId);
    },
    async disconnected(conn) {
      local.delete(conn.socket.id);
      if (closed) return;
      await backend.remove(conn.userId, conn.socket.id, now());
      await refresh(conn.userId);
    },
    async setStatus(conn, status) {
      const entry = local.get(conn.socket.id);
      if (!entry || entry.status === status) return;
      entry.status = status;
      entry.seenAt = now();
      await backend.touch([record(entry)]);
      await refresh(conn.userId);
    },
    async subscribe(conn, userIds) {
      const entry = local.get(conn.socket.id);
      if (!entry) throw new ParleyError(ErrorCode.UNAVAILABLE, 'connection is closing');
      const unique = [...new Set(userIds)];
      const allowed = new Set(await followable(conn.userId, unique));
      const held = subscriptionsOf(conn);
      const fresh = [...allowed].filter((id) => !held.includes(presenceRoom(id)));
      if (held.length + fresh.length > deps.maxSubscriptions) {
        throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `at most ${deps.maxSubscriptions} presence subscriptions per connection`);
      }
      for (const id of fresh) void joinRoom(conn, presenceRoom(id));
      if (fresh.length > 0) {
        // A membership that ended while we checked found no room to take us out of: check again
        // now that the rooms are joined, so an ended membership never leaves a subscription.
        const still = new Set(await followable(conn.userId, fresh));
        for (const id of fresh.filter((id) => !still.has(id))) {
          allowed.delete(id);
          void leaveRoom(conn, presenceRoom(id));
        }
      }
      const ids = [...allowed];
      const [presence, settings] = await Promise.all([backend.read(ids, now()), deps.store.getUserSettings(ids)]);
      return {
        users: ids.map((id) => visiblePresence(id, presence.get(id) ?? { status: 'offline', lastSeenAt: null }, settings.get(id))),
        denied: unique.filter((id) => !allowed.has(id)),
      };
    },
    unsubscribe(conn, userIds) {
      for (const id of userIds) void leaveRoom(conn, presenceRoom(id));
    },
    async membershipsEnded(removed, remaining) {
      const everyone = [...new Set([...removed, ...remaining])];
      await Promise.all(
        removed.map(async (userId) => {
          const others = everyone.filter((id) => id !== userId);
          if (others.length === 0) return;
          const still = new Set(await deps.store.filterCoMembers(userId, others));
          const apart = others.filter((id) => !still.has(id));
          if (apart.length === 0) return;
          // Both ways; the adapter takes sockets out of the rooms on whichever node holds them.
          leaveRooms(deps.fanout, [userRoom(userId)], apart.map(presenceRoom));
          leaveRooms(deps.fanout, apart.map(userRoom), [presenceRoom(userId)]);
        }),
      );
    },
    settingsChanged: (userId) => publish(userId, true),
    async online(userIds) {
      if (userIds.length === 0) return new Set();
      const presence = await backend.read(userIds, now());
      return new Set(userIds.filter((id) => (presence.get(id)?.status ?? 'offline') !== 'offline'));
    },
    close() {
      closed = true;
      clearInterval(timer);
      for (const pending of settling.values()) clearTimeout(pending);
      settling.clear();
    },
  };
}
