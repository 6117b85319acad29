import type { ModerationStore, StoredReport } from './types.js';
import { blocksAfter, byRecentReport } from './moderation-helpers.js';

/**
 * The memory store's blocks, bans and reports. Every method runs to its end without an await, so
 * each change is atomic; callers get copies, never the store's records.
 */
export function createMemoryModeration(): ModerationStore & { clear(): void } {
  /** Per user, the users they block, in insertion order (a Set keeps it). */
  const blocks = new Map<string, Set<string>>();
  /** Per conversation, its banned users, in insertion order. */
  const bans = new Map<string, Set<string>>();
  /** Per `${conversationId}\n${messageId}\n${reporterId}`: one report. */
  const reports = new Map<string, StoredReport>();
  const reportKey = (r: Pick<StoredReport, 'conversationId' | 'messageId' | 'reporterId'>) => `${r.conversationId}\n${r.messageId}\n${r.reporterId}`;

  return {
    async listBlocks(userId) {
      return [...(blocks.get(userId) ?? [])];
    },

    async updateBlocks(userId, change, maxBlocks) {
      // blocksAfter throws before anything is written: a refused change changes nothing.
      const { list } = blocksAfter([...(blocks.get(userId) ?? [])], change, maxBlocks);
      if (list.length > 0) blocks.set(userId, new Set(list));
      else blocks.delete(userId);
      return list;
    },

    async blockedBetween(userId, others) {
      const mine = blocks.get(userId);
      return [...new Set(others)].filter((other) => mine?.has(other) === true || blocks.get(other)?.has(userId) === true);
    },

    async listBans(conversationId) {
      return [...(bans.get(conversationId) ?? [])];
    },

    async addBans(conversationId, userIds) {
      let set = bans.get(conversationId);
      if (!set) bans.set(conversationId, (set = new Set()));
      for (const userId of userIds) set.add(userId);
    },

    async removeBans(conversationId, userIds) {
      const set = bans.get(conversationId);
      for (const userId of userIds) set?.delete(userId);
      if (set?.size === 0) bans.delete(conversationId);
    },

    async filterBanned(conversationId, userIds) {
      const set = bans.get(conversationId);
      return [...new Set(userIds)].filter((userId) => set?.has(userId) === true);
    },

    async saveReport(report) {
      const existing = reports.get(reportKey(report));
      if (existing) {
        Object.assign(existing, { reason: report.reason, updatedAt: report.updatedAt });
        return { report: { ...existing }, created: false };
      }
      const stored = { ...report };
      reports.set(reportKey(report), stored);
      return { report: { ...stored }, created: true };
    },

    async listReports({ conversationId, after, limit }) {
      if (limit <= 0) return [];
      const all = [...reports.values()];
      let cursor: StoredReport | undefined;
      if (after !== undefined) {
        cursor = all.find((r) => r.id === after);
        // A cursor that no longer exists gives an empty page, as listDeliveries does.
        if (!cursor) return [];
      }
      return all
        .filter((r) => (conversationId === undefined || r.conversationId === conversationId) && (!cursor || byRecentReport(r, cursor) > 0))
        .sort(byRecentReport)
        .slice(0, limit)
        .map((r) => ({ ...r }));
    },

    clear() {
      blocks.clear();
      bans.clear();
      reports.clear();
    },
  };
}
