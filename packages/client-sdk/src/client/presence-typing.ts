import {
  Limits,
  type ClientFrame,
  type LogEvent,
  type PresenceFrame,
  type PresenceResultFrame,
  type ServerFrame,
  type TypingUpdateFrame,
} from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import type { Timers } from '../core/timers.js';
import type { Logger } from '../types.js';
import { addTyping, nextTypingExpiry, pruneTyping } from '../state/typing.js';
import { applyPresence, dropPresence } from '../state/presence.js';

export interface PresenceTypingDeps {
  getState(): ChatState;
  commit(next: ChatState): void;
  /** Sends a frame if online; false when it could not be sent. */
  sendIfOnline(frame: ClientFrame): boolean;
  /** A request answered by the frame named `answer`. */
  request(frame: Extract<ClientFrame, { reqId: string }>, answer: ServerFrame['type']): Promise<ServerFrame>;
  newId(): string;
  timers: Timers;
  logger: Logger;
  /** At most one `typing` frame per conversation per this interval. */
  typingThrottleMs: number;
}

/** The soft state: typing (throttled out, expiring in) and presence (followed users, this device's away). */
export interface PresenceTyping {
  /** A connection was welcomed: follow presence again, restore away. */
  welcomed(): void;
  typing(conversationId: string): void;
  /** The user sent a message: the next keystroke announces typing at once. */
  messageSent(conversationId: string): void;
  typingUpdate(frame: TypingUpdateFrame): void;
  /** A message ends its sender's typing indicator. */
  eventsArrived(events: readonly LogEvent[]): void;
  presence(frame: PresenceFrame): void;
  subscribePresence(userIds: readonly string[]): Promise<{ denied: string[] }>;
  unsubscribePresence(userIds: readonly string[]): void;
  setAway(away: boolean): void;
  close(): void;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createPresenceTyping(deps: PresenceTypingDeps): PresenceTyping {
  const { timers } = deps;
  const typingSentAt = new Map<string, number>();
  const followed = new Set<string>();
  let away = false;
  let pruneTimer: unknown;
  let pruneAt: number | undefined;

  function schedulePrune(): void {
    const next = nextTypingExpiry(deps.getState().typing);
    if (next === undefined || next === pruneAt) return;
    if (pruneTimer !== undefined) timers.clearTimeout(pruneTimer);
    pruneAt = next;
    pruneTimer = timers.setTimeout(() => {
      pruneTimer = pruneAt = undefined;
      const state = deps.getState();
      deps.commit({ ...state, typing: pruneTyping(state.typing, timers.now()) });
      schedulePrune();
    }, Math.max(0, next - timers.now()) + 1);
  }

  async function follow(userIds: readonly string[]): Promise<{ denied: string[] }> {
    const denied: string[] = [];
    for (const part of chunks(userIds, Limits.maxUserIdsPerRequest)) {
      const reply = (await deps.request({ type: 'presence.subscribe', reqId: deps.newId(), userIds: part }, 'presence.result')) as PresenceResultFrame;
      for (const id of reply.denied) followed.delete(id);
      denied.push(...reply.denied);
      const state = deps.getState();
      deps.commit({ ...state, presence: applyPresence(dropPresence(state.presence, reply.denied), reply.users) });
    }
    return { denied };
  }

  // A tab taking over the connection starts from the indicators it showed: they expire here now.
  schedulePrune();

  return {
    welcomed() {
      if (away) deps.sendIfOnline({ type: 'presence.set', status: 'away' });
      if (followed.size > 0) {
        follow([...followed]).catch((err: unknown) => deps.logger.warn('parley: presence subscribe failed', { error: String(err) }));
      }
    },
    typing(conversationId) {
      const now = timers.now();
      const last = typingSentAt.get(conversationId);
      if (last !== undefined && now - last < deps.typingThrottleMs) return;
      if (deps.sendIfOnline({ type: 'typing', conversationId })) typingSentAt.set(conversationId, now);
    },
    messageSent(conversationId) {
      typingSentAt.delete(conversationId);
    },
    typingUpdate(frame) {
      const state = deps.getState();
      if (frame.userId === state.userId) return;
      deps.commit({ ...state, typing: addTyping(state.typing, frame.conversationId, frame.userId, timers.now() + frame.expiresInMs) });
      schedulePrune();
    },
    eventsArrived(events) {
      const state = deps.getState();
      deps.commit({ ...state, typing: pruneTyping(state.typing, timers.now(), events) });
    },
    presence(frame) {
      if (!followed.has(frame.userId)) return;
      const state = deps.getState();
      deps.commit({ ...state, presence: applyPresence(state.presence, [{ userId: frame.userId, status: frame.status, lastSeenAt: frame.lastSeenAt }]) });
    },
    subscribePresence(userIds) {
      for (const id of userIds) followed.add(id);
      return follow(userIds);
    },
    unsubscribePresence(userIds) {
      for (const id of userIds) followed.delete(id);
      const state = deps.getState();
      deps.commit({ ...state, presence: dropPresence(state.presence, userIds) });
      for (const part of chunks(userIds, Limits.maxUserIdsPerRequest)) deps.sendIfOnline({ type: 'presence.unsubscribe', userIds: part });
    },
    setAway(value) {
      if (away === value) return;
      away = value;
      deps.sendIfOnline({ type: 'presence.set', status: value ? 'away' : 'online' });
    },
    close() {
      if (pruneTimer !== undefined) timers.clearTimeout(pruneTimer);
      pruneTimer = pruneAt = undefined;
    },
  };
}
