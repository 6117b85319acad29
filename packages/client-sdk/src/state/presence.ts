import type { UserPresence } from '@parley/protocol';

/** Followed users' presence, by user id. */
export type PresenceState = ReadonlyMap<string, UserPresence>;

export const NO_PRESENCE: PresenceState = new Map();

/** Takes presence reports; unchanged ones keep the state's identity. */
export function applyPresence(state: PresenceState, reports: readonly UserPresence[]): PresenceState {
  let next: Map<string, UserPresence> | undefined;
  for (const report of reports) {
    const held = state.get(report.userId);
    if (held && held.status === report.status && held.lastSeenAt === report.lastSeenAt) continue;
    next ??= new Map(state);
    next.set(report.userId, Object.freeze({ ...report }));
  }
  return next ?? state;
}

/** Forgets users no longer followed. */
export function dropPresence(state: PresenceState, userIds: readonly string[]): PresenceState {
  if (!userIds.some((id) => state.has(id))) return state;
  const next = new Map(state);
  for (const id of userIds) next.delete(id);
  return next;
}

/** The snapshot view: user id → presence. */
export function presenceView(state: PresenceState): Readonly<Record<string, UserPresence>> {
  return Object.freeze(Object.fromEntries(state));
}
