import type { PresenceStatus } from '@parley/protocol';
import type { AggregatePresence, PresenceBackend, PresenceRecord } from './presence-backend.js';

/**
 * Presence in this process's memory: right for a single server node. Several nodes need a shared
 * backend (Redis) behind the same interface.
 *
 * @example
 * createChatServer({ server, store, authenticate, presence: { backend: createMemoryPresenceBackend() } });
 */
export function createMemoryPresenceBackend(): PresenceBackend {
  const connections = new Map<string, Map<string, PresenceRecord>>();
  const lastSeen = new Map<string, number>();
  const published = new Map<string, PresenceStatus>();

  const seen = (userId: string, at: number) => lastSeen.set(userId, Math.max(lastSeen.get(userId) ?? 0, at));

  function drop(userId: string, connectionId: string): PresenceRecord | undefined {
    const records = connections.get(userId);
    const record = records?.get(connectionId);
    records?.delete(connectionId);
    if (records?.size === 0) connections.delete(userId);
    return record;
  }

  return {
    async touch(records) {
      for (const record of records) {
        let mine = connections.get(record.userId);
        if (!mine) connections.set(record.userId, (mine = new Map()));
        mine.set(record.connectionId, { ...record });
        seen(record.userId, record.seenAt);
      }
    },
    async remove(userId, connectionId, at) {
      drop(userId, connectionId);
      seen(userId, at);
    },
    async expire(now) {
      const expired: PresenceRecord[] = [];
      for (const records of connections.values()) {
        for (const record of records.values()) if (record.expiresAt <= now) expired.push(record);
      }
      for (const record of expired) drop(record.userId, record.connectionId);
      return expired;
    },
    async read(userIds, now) {
      const result = new Map<string, AggregatePresence>();
      for (const userId of userIds) {
        const live = [...(connections.get(userId)?.values() ?? [])].filter((r) => r.expiresAt > now);
        const status = live.length === 0 ? 'offline' : live.some((r) => r.status === 'online') ? 'online' : 'away';
        result.set(userId, { status, lastSeenAt: lastSeen.get(userId) ?? null });
      }
      return result;
    },
    async swapPublished(userId, status) {
      const before = published.get(userId) ?? null;
      published.set(userId, status);
      return before;
    },
  };
}
