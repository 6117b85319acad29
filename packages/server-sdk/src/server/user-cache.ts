import type { UserProfile } from '@parley/protocol';

/** What the cache knows of a user: their profile, or that the app does not know them (null). */
export type CachedUser = UserProfile | null;

/**
 * Profiles this node resolved, each for `ttlMs`, at most `maxEntries` of them (the least
 * recently used go first). A Map keeps insertion order, so reading an entry moves it to the end
 * and the first key is always the least recently used. Users the app did not return are cached
 * as null too: asking again for an unknown id every time would hammer the app.
 */
export class UserCache {
  private readonly entries = new Map<string, { user: CachedUser; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached answer for `id` (a profile or null), or undefined when it must be asked for. */
  get(id: string): CachedUser | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(id, entry);
    return entry.user;
  }

  set(id: string, user: CachedUser): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    this.entries.delete(id);
    this.entries.set(id, { user, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(ids: Iterable<string>): void {
    for (const id of ids) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
