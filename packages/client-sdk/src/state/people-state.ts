import type { UserProfile } from '@parley/protocol';

/**
 * Profiles fetched from the app's server, by user id: `null` for an id the app did not describe
 * (asked, not known: not asked again until it says the user changed).
 */
export type ProfileMap = ReadonlyMap<string, UserProfile | null>;

export const NO_PROFILES: ProfileMap = new Map();

/** Profiles held at most: a long session in a large community must not grow without bound. */
export const MAX_PROFILES = 5_000;

/**
 * The answer to a `users` request for `asked`: each id takes its profile, or `null` when the app
 * left it out. The oldest entries go past `MAX_PROFILES`.
 */
export function withProfiles(held: ProfileMap, asked: readonly string[], found: readonly UserProfile[]): ProfileMap {
  const byId = new Map(found.map((p) => [p.id, p]));
  const next = new Map(held);
  let changed = false;
  for (const id of new Set([...asked, ...byId.keys()])) {
    const profile = byId.get(id) ?? null;
    const before = held.get(id);
    if (held.has(id) && sameProfile(before ?? null, profile)) continue;
    // Re-inserted at the end: the newest answers stay when the oldest are dropped.
    next.delete(id);
    next.set(id, profile);
    changed = true;
  }
  if (!changed) return held;
  for (const id of next.keys()) {
    if (next.size <= MAX_PROFILES) break;
    next.delete(id);
  }
  return next;
}

function sameProfile(a: UserProfile | null, b: UserProfile | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

const frozen = new WeakMap<ProfileMap, Readonly<Record<string, UserProfile>>>();

/** The known profiles as the snapshot shows them: the same object for the same map. */
export function profilesView(profiles: ProfileMap): Readonly<Record<string, UserProfile>> {
  const cached = frozen.get(profiles);
  if (cached) return cached;
  const view: Record<string, UserProfile> = {};
  for (const [id, profile] of profiles) if (profile) view[id] = profile;
  const value = Object.freeze(view);
  frozen.set(profiles, value);
  return value;
}

const NO_BLOCKS: readonly string[] = Object.freeze([]);

/** The block list as the snapshot shows it (empty while unknown). */
export function blocksView(blocks: readonly string[] | null): readonly string[] {
  return blocks ?? NO_BLOCKS;
}

/** A block list from the server, or the same one when it did not change. */
export function withBlocks(held: readonly string[] | null, ids: readonly string[]): readonly string[] {
  if (held && held.length === ids.length && held.every((id, i) => id === ids[i])) return held;
  return Object.freeze([...ids]);
}
