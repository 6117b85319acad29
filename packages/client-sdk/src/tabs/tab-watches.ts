import type { ChatClient } from '../types.js';

/**
 * The leading tab's record of what each tab shows. Its client counts one watch per tab, so a
 * conversation stays watched while any tab shows it, and a tab that closes takes its own away.
 */
export interface TabWatches {
  /** A tab's whole watch set, replacing what it said before. */
  set(tabId: string, conversationIds: readonly string[]): void;
  drop(tabId: string): void;
}

export function createTabWatches(client: ChatClient): TabWatches {
  const byTab = new Map<string, ReadonlySet<string>>();
  const set = (tabId: string, conversationIds: readonly string[]) => {
    const before = byTab.get(tabId) ?? new Set<string>();
    const after = new Set(conversationIds);
    if (after.size > 0) byTab.set(tabId, after);
    else byTab.delete(tabId);
    const added = [...after].filter((id) => !before.has(id));
    const removed = [...before].filter((id) => !after.has(id));
    if (added.length > 0) client.watch(added);
    if (removed.length > 0) client.unwatch(removed);
  };
  return { set, drop: (tabId) => set(tabId, []) };
}
