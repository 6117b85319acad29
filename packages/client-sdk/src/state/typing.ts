import type { LogEvent } from '@parley/protocol';

/** Who is typing where: conversation id → user id → epoch ms when the indicator expires. */
export type TypingState = ReadonlyMap<string, ReadonlyMap<string, number>>;

export const NO_TYPING: TypingState = new Map();

/** Someone started (or kept) typing: show it until `expiresAt`. */
export function addTyping(state: TypingState, conversationId: string, userId: string, expiresAt: number): TypingState {
  const users = new Map(state.get(conversationId) ?? []);
  users.set(userId, expiresAt);
  return new Map(state).set(conversationId, users);
}

/** Drops indicators that expired by `now`, and those of users whose message just arrived. */
export function pruneTyping(state: TypingState, now: number, senders: readonly LogEvent[] = []): TypingState {
  const stopped = new Set(senders.filter((e) => e.kind === 'message').map((e) => `${e.conversationId}\n${e.senderId}`));
  let next: Map<string, ReadonlyMap<string, number>> | undefined;
  for (const [conversationId, users] of state) {
    const kept = [...users].filter(([userId, expiresAt]) => expiresAt > now && !stopped.has(`${conversationId}\n${userId}`));
    if (kept.length === users.size) continue;
    next ??= new Map(state);
    if (kept.length === 0) next.delete(conversationId);
    else next.set(conversationId, new Map(kept));
  }
  return next ?? state;
}

/** The earliest expiry still pending, to know when to prune next. */
export function nextTypingExpiry(state: TypingState): number | undefined {
  let earliest: number | undefined;
  for (const users of state.values()) for (const at of users.values()) if (earliest === undefined || at < earliest) earliest = at;
  return earliest;
}

/** The snapshot view: per conversation, the sorted ids of users typing now. */
export function typingView(state: TypingState): Readonly<Record<string, readonly string[]>> {
  const view: Record<string, readonly string[]> = {};
  for (const [conversationId, users] of state) view[conversationId] = Object.freeze([...users.keys()].sort());
  return Object.freeze(view);
}
