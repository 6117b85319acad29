import {
  ErrorCode,
  messageAsOf,
  ParleyError,
  reactionsOf,
  type ChangeFrame,
  type ChangeTarget,
  type LogEvent,
  type MessageEvent,
} from '@parley/protocol';
import type { AppendInput, ChatStore, StoredConversation, StoredMember } from '../store/types.js';
import type { ServerContext } from './context.js';
import { checkDeploymentLimits } from './message-content.js';
import { may } from './roles.js';

const notFound = () => new ParleyError(ErrorCode.NOT_FOUND, 'message not found in this conversation');

/**
 * The message a CHANGE is about: by id, a message of this conversation; by clientMsgId, the
 * user's own message. Anything else (another conversation's id, a membership event, a change, an
 * id that never existed, someone else's clientMsgId) is the same NOT_FOUND: an id reveals
 * nothing about other conversations.
 */
export async function resolveTarget(store: ChatStore, conversationId: string, userId: string, target: ChangeTarget): Promise<MessageEvent> {
  const event = 'messageId' in target
    ? await store.getEvent(conversationId, target.messageId)
    : await store.findEvent(conversationId, userId, target.clientMsgId);
  if (!event || event.kind !== 'message' || event.conversationId !== conversationId) throw notFound();
  return event;
}

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type AppendChange = Without<AppendInput, 'conversationId' | 'senderId' | 'clientMsgId' | 'ts'>;

/** A change either appends an event, or is already in effect through an existing one. */
export type ChangeOutcome = { append: AppendChange } | { existing: LogEvent };

interface ChangeRequest {
  conversation: StoredConversation;
  member: Pick<StoredMember, 'userId' | 'role'>;
  target: MessageEvent;
  /** The target's changes up to the conversation's lastSeq, ascending. */
  changes: LogEvent[];
  frame: ChangeFrame;
  /**
   * Your backend acting through `chat.api`: it may edit or delete anyone's message at any time.
   * The message's own rules (a deleted message takes no change, reaction limits) still hold.
   */
  trusted?: boolean;
}

/**
 * The rules of changing a message, checked against its state now (the protocol's fold over its
 * changes): only its sender edits, within `editWindowMs`; its sender or a group's owner or admin
 * deletes;
 * reactions within `maxReactionsPerUser` and `maxReactionKeysPerMessage`. A deleted message takes
 * no edit and no reaction (NOT_FOUND: it is gone).
 */
export function changeOutcome(ctx: ServerContext, request: ChangeRequest): ChangeOutcome {
  const { conversation, member, target, changes, frame, trusted = false } = request;
  const userId = member.userId;
  const now = messageAsOf(target, changes, conversation.lastSeq);
  const ref = { messageId: target.id, messageSeq: target.seq };
  const change = frame.change;
  if (change.kind === 'delete') {
    const deleted = changes.find((e) => e.kind === 'message.deleted');
    if (deleted) return { existing: deleted };
    const moderator = conversation.kind === 'group' && may(member.role, 'delete-others');
    if (!trusted && target.senderId !== userId && !moderator) {
      throw new ParleyError(ErrorCode.FORBIDDEN, "only its sender or the group's owner and admins may delete a message");
    }
    return { append: { kind: 'message.deleted', data: ref } };
  }
  if (now.state?.deleted) throw new ParleyError(ErrorCode.NOT_FOUND, 'the message was deleted');
  if (change.kind === 'edit') {
    if (!trusted && target.senderId !== userId) throw new ParleyError(ErrorCode.FORBIDDEN, 'only its sender may edit a message');
    if (!trusted && ctx.now() - target.ts > ctx.messages.editWindowMs) {
      throw new ParleyError(ErrorCode.FORBIDDEN, `messages can be edited for ${ctx.messages.editWindowMs} ms after sending`);
    }
    checkDeploymentLimits(ctx.limits, change);
    const content = { ...(change.text !== undefined ? { text: change.text } : {}), ...(change.custom !== undefined ? { custom: change.custom } : {}) };
    return { append: { kind: 'message.edited', data: { ...ref, ...content } } };
  }
  const held = reactionsOf(now, userId);
  const holds = held.includes(change.key);
  if (change.kind === 'react') {
    if (holds) return { existing: lastReaction(changes, userId, change.key, 'reaction.added') ?? fail() };
    if (held.length >= ctx.limits.maxReactionsPerUser) {
      throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `at most ${ctx.limits.maxReactionsPerUser} reactions per user on one message`);
    }
    const keys = now.state?.reactions ?? [];
    if (!keys.some((g) => g.key === change.key) && keys.length >= ctx.limits.maxReactionKeysPerMessage) {
      throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `at most ${ctx.limits.maxReactionKeysPerMessage} different reactions on one message`);
    }
    return { append: { kind: 'reaction.added', data: { ...ref, key: change.key } } };
  }
  // Unreact of a reaction not held: the last take-back, if any, already put it in effect.
  const removed = holds ? undefined : lastReaction(changes, userId, change.key, 'reaction.removed');
  if (removed) return { existing: removed };
  return { append: { kind: 'reaction.removed', data: { ...ref, key: change.key } } };
}

function lastReaction(changes: readonly LogEvent[], userId: string, key: string, kind: 'reaction.added' | 'reaction.removed'): LogEvent | undefined {
  return changes.findLast((e) => e.kind === kind && e.senderId === userId && e.data.key === key);
}

function fail(): never {
  // The fold says the user holds the reaction, so an add of theirs exists among the changes.
  throw new ParleyError(ErrorCode.INTERNAL, 'reaction state without its event');
}
