/**
 * Conversations on screen, counted by how many views show them: each `watch` needs one
 * `unwatch`. The full client keeps one for its connection; each tab keeps its own, so a new
 * leading tab can be told what every tab shows.
 */
export interface WatchCounts {
  add(conversationIds: readonly string[]): void;
  remove(conversationIds: readonly string[]): void;
  /** The watched conversations, oldest first. */
  ids(): string[];
}

export function createWatchCounts(): WatchCounts {
  const counts = new Map<string, number>();
  return {
    add(conversationIds) {
      for (const id of conversationIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    },
    remove(conversationIds) {
      for (const id of conversationIds) {
        const count = (counts.get(id) ?? 0) - 1;
        if (count > 0) counts.set(id, count);
        else counts.delete(id);
      }
    },
    ids: () => [...counts.keys()],
  };
}
