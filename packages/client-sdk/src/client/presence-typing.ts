import {
  Limits,
  isUnread,
  type ClientFrame,
  type PresenceFrame,
  type PresenceResultFrame,
  type ServerFrame,
  type SettingsFrame,
  type TypingUpdateFrame,
  type UserSettings,
  type LogEvent,
} from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import { firstIndexAbove, type ConversationState } from '../state/conversation-state.js';
import type { Timers } from '../core/timers.js';
import type { Logger } from '../types.js';
import { addTyping, nextTypingExpiry, pruneTyping } from '../state/typing.js';
import { applyPresence, dropPresence } from '../state/presence.js';

export interface ClientSignalsDeps {
  getState(): ChatState;
  commit(next: ChatState): void;
  /** Sends a frame if online; false when it could not be sent. */
  send(frame: ClientFrame): boolean;
  /** A request answered by the frame named `answer`. */
  request(frame: Extract<ClientFrame, { reqId: string }>, answer: ServerFrame['type']): Promise<ServerFrame>;
  newId(): string;
  timers: Timers;
  logger: Logger;
  /** Delivered receipts wait this long so that a burst of messages is acknowledged once. */
  deliveredDelayMs: number;
  /** At most one `typing` frame per conversation per this interval. */
  typingThrottleMs: number;
}

/** What the client's receipts, typing and presence logic offers the rest of the client. */
export interface ClientSignals {
  /** The held logs changed: report delivered positions soon (batched). */
  conversationsChanged(): void;
  /** A connection was welcomed: follow presence again, restore away, report what is pending. */
  welcomed(): void;
  typing(conversationId: string): void;
  /** The user sent a message: the next keystroke announces typing at once. */
  messageSent(conversationId: string): void;
  typingUpdate(frame: TypingUpdateFrame): void;
  eventsArrived(events: readonly LogEvent[]): void;
  presence(frame: PresenceFrame): void;
  subscribePresence(userIds: readonly string[]): Promise<{ denied: string[] }>;
  unsubscribePresence(userIds: readonly string[]): void;
  setAway(away: boolean): void;
  settings(patch: Omit<SettingsFrame, 'type' | 'reqId'>): Promise<UserSettings>;
  close(): void;
}

function hasUnreadFromOthers(conv: ConversationState, userId: string | null, after: number, upTo: number): boolean {
  for (let i = firstIndexAbove(conv.events, after); i < conv.events.length; i += 1) {
    const event = conv.events[i];
    if (!event || event.seq > upTo) return false;
    if (isUnread(event, userId, after)) return true;
  }
  return false;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Receipts (delivered, batched), typing (throttled out, expiring in) and presence subscriptions. */
export function createClientSignals(deps: ClientSignalsDeps): ClientSignals {
  const { timers } = deps;
  const reported = new Map<string, number>();
  const typingSentAt = new Map<string, number>();
  const followed = new Set<string>();
  let away = false;
  let deliveredTimer: unknown;
  let pruneTimer: unknown;
  let pruneAt: number | undefined;

  function flushDelivered(): void {
    deliveredTimer = undefined;
    const state = deps.getState();
    for (const conv of state.conversations.values()) {
      if (!conv.server || conv.cursor === null) continue;
      const known = Math.max(reported.get(conv.id) ?? 0, conv.server.deliveredSeq, conv.readSeq);
      // Only messages from others are worth a receipt: the sender's own need none.
      if (conv.cursor <= known || !hasUnreadFromOthers(conv, state.userId, known, conv.cursor)) continue;
      if (deps.send({ type: 'receipt', conversationId: conv.id, deliveredSeq: conv.cursor })) reported.set(conv.id, conv.cursor);
    }
  }

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

  return {
    conversationsChanged() {
      if (deliveredTimer === undefined) deliveredTimer = timers.setTimeout(flushDelivered, deps.deliveredDelayMs);
    },
    welcomed() {
      if (away) deps.send({ type: 'presence.set', status: 'away' });
      if (followed.size > 0) {
        follow([...followed]).catch((err: unknown) => deps.logger.warn('parley: presence subscribe failed', { error: String(err) }));
      }
    },
    typing(conversationId) {
      const now = timers.now();
      const last = typingSentAt.get(conversationId);
      if (last !== undefined && now - last < deps.typingThrottleMs) return;
      if (deps.send({ type: 'typing', conversationId })) typingSentAt.set(conversationId, now);
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
      for (const part of chunks(userIds, Limits.maxUserIdsPerRequest)) deps.send({ type: 'presence.unsubscribe', userIds: part });
    },
    setAway(value) {
      if (away === value) return;
      away = value;
      deps.send({ type: 'presence.set', status: value ? 'away' : 'online' });
    },
    async settings(patch) {
      const reply = await deps.request({ type: 'settings', reqId: deps.newId(), ...patch }, 'settings.result');
      if (reply.type !== 'settings.result') throw new Error(`unexpected ${reply.type}`);
      return reply.settings;
    },
    close() {
      if (deliveredTimer !== undefined) timers.clearTimeout(deliveredTimer);
      if (pruneTimer !== undefined) timers.clearTimeout(pruneTimer);
      deliveredTimer = pruneTimer = pruneAt = undefined;
    },
  };
}
