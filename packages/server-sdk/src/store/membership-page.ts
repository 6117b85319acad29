import type { MembershipPage, StoredMembership } from './types.js';

/**
 * The order of a user's conversation list: newest activity first, then conversation id ascending
 * (code-unit order, which is SQLite's and MongoDB's binary order for ids), so that a page
 * position `(lastActivityAt, conversationId)` is a total order and paging never repeats or skips
 * a row that did not move.
 */
export function byActivity(a: StoredMembership, b: StoredMembership): number {
  const x = a.conversation;
  const y = b.conversation;
  return y.lastActivityAt - x.lastActivityAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
}

/** True when a row comes strictly after the page position in `byActivity` order. */
export function isAfter(row: StoredMembership, after: MembershipPage['after']): boolean {
  if (!after) return true;
  const { lastActivityAt, id } = row.conversation;
  return lastActivityAt < after.lastActivityAt || (lastActivityAt === after.lastActivityAt && id > after.conversationId);
}

/** Sorts rows into list order and cuts the page out of them (for stores that hold the whole list anyway). */
export function pageOf(rows: StoredMembership[], page?: MembershipPage): StoredMembership[] {
  const sorted = rows.sort(byActivity);
  if (!page) return sorted;
  return sorted.filter((row) => isAfter(row, page.after)).slice(0, Math.max(0, page.limit));
}
