import * as v from 'valibot';
import { ErrorCode, Limits, ParleyError, ReactionKey, type Change, type CustomData, type MessageEvent } from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import { buildMessages, buildThread } from '../state/message-views.js';
import { planChange, type ChangePlan } from '../state/outbox-changes.js';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { MessageContent, MessageView } from '../types.js';
import { editWindowOf } from '../state/views.js';
import { sendLimits } from './client-rules.js';
import { checkContent } from './send-content.js';
import { withWindowEvents } from '../state/window-events.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
const isId = (value: unknown): value is string => typeof value === 'string' && value.length <= Limits.maxIdLength && ID_PATTERN.test(value);
const fail = (code: ErrorCode, message: string) => new ParleyError(code, message);

/** A change as `edit`, `delete`, `react` and `unreact` ask for it, before any check. */
export type ChangeRequest =
  | { kind: 'edit'; content: string | MessageContent }
  | { kind: 'delete' }
  | { kind: 'react' | 'unreact'; key: string };

/** The message a change is about, as this client holds it. */
interface Found {
  readonly view: MessageView;
  /** Stored: the held message. */
  readonly held?: MessageEvent;
  /** Not stored yet: the user's own queued message. */
  readonly entry?: OutboxEntry;
}

/** A limit as the server announced it (a deployment may lower them), never above the protocol's. */
function limitOf(state: Pick<ChatState, 'limits'>, key: keyof typeof Limits): number {
  const announced = state.limits[key];
  return announced !== undefined && announced > 0 ? Math.min(announced, Limits[key]) : Limits[key];
}

/** The message `messageId` (an `id`, or the user's own `clientMsgId`) of a conversation, as shown now. */
export function findMessage(state: ChatState, conversationId: string, messageId: string): Found | undefined {
  // A message shown in a window the user jumped to is one they can act on too.
  const conv = withWindowEvents(state, conversationId);
  const held = conv?.events.find((e): e is MessageEvent =>
    e.kind === 'message' && (e.id === messageId || (e.senderId === state.userId && e.clientMsgId === messageId)));
  const entry = held ? undefined : state.outbox.find((e) => !e.change && e.conversationId === conversationId && e.clientMsgId === messageId);
  const threadId = held ? held.data.thread?.messageId : entry?.threadId;
  if (!held && !entry) return undefined;
  const entries = state.outbox.filter((e) => e.conversationId === conversationId);
  const lane = threadId === undefined ? buildMessages(conv, entries, state.userId) : buildThread(conv, entries, state.userId, threadId);
  const view = lane.find((m) => (held ? m.id === held.id : m.key === entry?.clientMsgId));
  if (!view) return undefined;
  return { view, ...(held ? { held } : {}), ...(entry ? { entry } : {}) };
}

/** The checked change, or the reason it cannot be made, as a user can read it. */
function checkedChange(state: ChatState, request: ChangeRequest): Change {
  if (request.kind === 'delete') return { kind: 'delete' };
  if (request.kind === 'edit') {
    const { text, custom } = checkContent(request.content, sendLimits(state));
    // A copy: the app may change its object later; the queued edit must not change with it.
    return { kind: 'edit', ...(text !== undefined ? { text } : {}), ...(custom !== undefined ? { custom: JSON.parse(JSON.stringify(custom)) as CustomData } : {}) };
  }
  const max = limitOf(state, 'maxReactionKeyLength');
  if (!v.is(ReactionKey, request.key) || request.key.length > max) {
    throw fail(ErrorCode.BAD_FRAME, `A reaction is an emoji or a short name: 1 to ${max} characters, no spaces`);
  }
  return { kind: request.kind, key: request.key };
}

function mayDelete(state: ChatState, conversationId: string, senderId: string): boolean {
  if (senderId === state.userId) return true;
  const summary = state.conversations.get(conversationId)?.summary;
  return summary?.kind === 'group' && summary.ownerId !== undefined && summary.ownerId === state.userId;
}

/** "15 minutes", "24 hours": an edit window as a user reads it. */
function durationOf(ms: number): string {
  const [amount, unit] = ms % 3_600_000 === 0 && ms > 0 ? [ms / 3_600_000, 'hour'] : ms % 60_000 === 0 && ms > 0 ? [ms / 60_000, 'minute'] : [Math.round(ms / 1000), 'second'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * Past the server's edit window (measured from the stored message's ts, as the server does, on
 * this device's clock): refused here rather than queued to be refused later. A message not stored
 * yet has no window: it is edited in place.
 */
function pastEditWindow(state: ChatState, found: Found, now: number): ParleyError | null {
  const window = editWindowOf(state);
  if (window === undefined || !found.held || now <= found.held.ts + window) return null;
  return fail(ErrorCode.FORBIDDEN, `That message can no longer be edited: messages can be edited for ${durationOf(window)} after sending`);
}

/** What a change would do to a message shown as `view`: nothing (already so), or an error if it may not be made. */
function refusal(state: ChatState, conversationId: string, found: Found, change: Change, now: number): ParleyError | 'nothing' | null {
  const { view } = found;
  const own = found.entry !== undefined || view.senderId === state.userId;
  switch (change.kind) {
    case 'edit':
      if (view.deleted) return fail(ErrorCode.NOT_FOUND, 'That message was deleted');
      return own ? pastEditWindow(state, found, now) : fail(ErrorCode.FORBIDDEN, 'Only its sender can edit a message');
    case 'delete':
      if (view.deleted) return 'nothing';
      return own || mayDelete(state, conversationId, view.senderId) ? null : fail(ErrorCode.FORBIDDEN, "Only its sender or the group's owner can delete a message");
    case 'react': {
      if (view.deleted) return fail(ErrorCode.NOT_FOUND, 'That message was deleted');
      const group = view.reactions.find((r) => r.key === change.key);
      if (group?.mine) return 'nothing';
      const maxMine = limitOf(state, 'maxReactionsPerUser');
      if (view.reactions.filter((r) => r.mine).length >= maxMine) return fail(ErrorCode.LIMIT_EXCEEDED, `You can add at most ${maxMine} reactions to a message`);
      const maxKeys = limitOf(state, 'maxReactionKeysPerMessage');
      if (!group && view.reactions.length >= maxKeys) return fail(ErrorCode.LIMIT_EXCEEDED, `A message can carry at most ${maxKeys} different reactions`);
      return null;
    }
    case 'unreact':
      return view.deleted || !view.reactions.some((r) => r.key === change.key && r.mine) ? 'nothing' : null;
  }
}

/**
 * Checks a change against what the client holds and plans it into the outbox (`planChange`), or
 * throws a typed `ParleyError` before anything is queued: BAD_FRAME (bad content or key),
 * NOT_FOUND (a message not held, or deleted), FORBIDDEN (not the user's to change, or past the
 * edit window),
 * LIMIT_EXCEEDED (reaction caps). Also returns the view to find the message by afterwards.
 */
export function prepareChange(
  state: ChatState,
  conversationId: unknown,
  messageId: unknown,
  request: ChangeRequest,
  clientMsgId: string,
  now: number,
): { plan: ChangePlan; view: MessageView } {
  if (!isId(conversationId)) throw fail(ErrorCode.BAD_FRAME, "That conversation id isn't valid");
  if (!isId(messageId)) throw fail(ErrorCode.BAD_FRAME, "That message id isn't valid");
  const change = checkedChange(state, request);
  const found = findMessage(state, conversationId, messageId);
  if (!found) throw fail(ErrorCode.NOT_FOUND, "That message isn't here: it does not exist, or is not loaded yet");
  const refused = refusal(state, conversationId, found, change, now);
  if (refused === 'nothing') return { plan: { remove: [] }, view: found.view };
  if (refused) throw refused;
  const { held, entry } = found;
  const target = held ? { messageId: held.id } : { clientMsgId: entry!.clientMsgId };
  const ownClientMsgId = held ? (held.senderId === state.userId ? held.clientMsgId : undefined) : entry?.clientMsgId;
  const refs = { conversationId, ...(held ? { id: held.id } : {}), ...(ownClientMsgId !== undefined ? { clientMsgId: ownClientMsgId } : {}) };
  const fresh = { clientMsgId, conversationId, createdAt: now, status: 'pending' as const, attempts: 0, change: { target, change } };
  return { plan: planChange(state.outbox, refs, entry, fresh), view: found.view };
}

/**
 * A thread reply's root, checked against what the client holds: a reply cannot start a thread.
 * A deleted root keeps its thread and takes replies (as the server allows); a root not held is
 * left to the server to judge.
 */
export function checkThreadRoot(state: ChatState, conversationId: string, threadId: string): void {
  const root = state.conversations.get(conversationId)?.events.find((e): e is MessageEvent => e.kind === 'message' && e.id === threadId);
  if (root?.data.thread) throw fail(ErrorCode.BAD_FRAME, 'A thread reply cannot start a thread: reply in its thread instead');
}
