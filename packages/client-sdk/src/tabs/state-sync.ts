import { ParleyError } from '@parley/protocol';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { ChatState, UploadsState } from '../state/chat-state.js';
import type { ConversationState } from '../state/conversation-state.js';
import type { PresenceState } from '../state/presence.js';
import type { TypingState } from '../state/typing.js';
import type { ProfileMap } from '../state/people-state.js';
import type { ConnectionState } from '../types.js';
import type { WindowsState } from '../state/timeline-window.js';

/** `ConnectionState` as it crosses to another tab (an error class does not survive cloning). */
export interface SharedConnection {
  readonly status: ConnectionState['status'];
  readonly attempt: number;
  readonly nextAttemptAt?: number;
  readonly lastError?: { readonly code: number; readonly message: string };
}

/**
 * What the leading tab tells the others about its state: everything (`full`) or what changed
 * since its last update. Plain data and Maps, so it survives structured cloning.
 */
export interface StateUpdate {
  readonly full: boolean;
  readonly userId: string | null;
  readonly connection?: SharedConnection;
  readonly outbox?: readonly OutboxEntry[];
  /** Soft state, whole when it changed (expiry times are epoch ms: one clock for the tabs of a browser). */
  readonly typing?: TypingState;
  readonly presence?: PresenceState;
  /** The server's announced limits, when they changed: a follower checks sends against them too. */
  readonly limits?: Readonly<Record<string, number>>;
  /** The block list and the profiles held, whole when they changed (`null` blocks: not known yet). */
  readonly blocks?: readonly string[] | null;
  readonly users?: ProfileMap;
  /** Upload progress, whole when it changed: following tabs show it on their pending messages. */
  readonly uploads?: UploadsState;
  /** The timelines' windows (`loadAround`), whole when they changed: every tab shows the same. */
  readonly windows?: WindowsState;
  /** Changed conversations (every one when `full`). */
  readonly conversations: readonly ConversationState[];
  readonly removed: readonly string[];
}

function shareConnection({ status, attempt, nextAttemptAt, lastError }: ConnectionState): SharedConnection {
  return {
    status,
    attempt,
    ...(nextAttemptAt === undefined ? {} : { nextAttemptAt }),
    ...(lastError ? { lastError: { code: lastError.code, message: lastError.message } } : {}),
  };
}

function takeConnection({ lastError, ...rest }: SharedConnection): ConnectionState {
  return lastError ? { ...rest, lastError: ParleyError.fromWire(lastError) } : rest;
}

export function fullUpdate(state: ChatState): StateUpdate {
  return {
    full: true,
    userId: state.userId,
    connection: shareConnection(state.connection),
    outbox: state.outbox,
    typing: state.typing,
    presence: state.presence,
    limits: state.limits,
    blocks: state.blocks,
    users: state.users,
    uploads: state.uploads,
    windows: state.windows,
    conversations: [...state.conversations.values()],
    removed: [],
  };
}

/** What changed between two states, or null if nothing another tab shows did. */
export function diffUpdate(before: ChatState, after: ChatState): StateUpdate | null {
  const conversations: ConversationState[] = [];
  const removed: string[] = [];
  if (before.conversations !== after.conversations) {
    for (const [id, conv] of after.conversations) if (before.conversations.get(id) !== conv) conversations.push(conv);
    for (const id of before.conversations.keys()) if (!after.conversations.has(id)) removed.push(id);
  }
  const connectionChanged = before.connection !== after.connection;
  const outboxChanged = before.outbox !== after.outbox;
  const typingChanged = before.typing !== after.typing;
  const presenceChanged = before.presence !== after.presence;
  const limitsChanged = before.limits !== after.limits;
  const blocksChanged = before.blocks !== after.blocks;
  const usersChanged = before.users !== after.users;
  const uploadsChanged = before.uploads !== after.uploads;
  const windowsChanged = before.windows !== after.windows;
  const peopleChanged = blocksChanged || usersChanged;
  if (
    !connectionChanged && !outboxChanged && !typingChanged && !presenceChanged && !limitsChanged && !peopleChanged && !uploadsChanged && !windowsChanged &&
    before.userId === after.userId && conversations.length + removed.length === 0
  ) return null;
  return {
    full: false,
    userId: after.userId,
    ...(connectionChanged ? { connection: shareConnection(after.connection) } : {}),
    ...(outboxChanged ? { outbox: after.outbox } : {}),
    ...(typingChanged ? { typing: after.typing } : {}),
    ...(presenceChanged ? { presence: after.presence } : {}),
    ...(limitsChanged ? { limits: after.limits } : {}),
    ...(blocksChanged ? { blocks: after.blocks } : {}),
    ...(usersChanged ? { users: after.users } : {}),
    ...(uploadsChanged ? { uploads: after.uploads } : {}),
    ...(windowsChanged ? { windows: after.windows } : {}),
    conversations,
    removed,
  };
}

/** Folds an update into a tab's state; conversations it does not name keep their identity. */
export function applyUpdate(state: ChatState, update: StateUpdate): ChatState {
  const conversations = new Map(update.full ? [] : state.conversations);
  for (const id of update.removed) conversations.delete(id);
  for (const conv of update.conversations) conversations.set(conv.id, conv);
  return {
    ...state,
    userId: update.userId,
    connection: update.connection ? takeConnection(update.connection) : state.connection,
    outbox: update.outbox ?? state.outbox,
    typing: update.typing ?? state.typing,
    presence: update.presence ?? state.presence,
    limits: update.limits ?? state.limits,
    blocks: update.blocks !== undefined ? update.blocks : state.blocks,
    users: update.users ?? state.users,
    uploads: update.uploads ?? state.uploads,
    windows: update.windows ?? state.windows,
    conversations,
  };
}
