import type { AckFrame, Change, ChangeEvent, ChangeTarget, LogEvent, MessageEvent } from '@parley/protocol';
import type { QueuedChange } from '../storage/client-storage.js';
import type { ConversationState } from './conversation-state.js';

/** The log event kind a change appends. */
export function changeKind(change: Change): ChangeEvent['kind'] {
  switch (change.kind) {
    case 'edit':
      return 'message.edited';
    case 'delete':
      return 'message.deleted';
    case 'react':
      return 'reaction.added';
    case 'unreact':
      return 'reaction.removed';
  }
}

/** Whether `target` names `message`: by its server id, or (an own message) by its clientMsgId. */
export function namesMessage(target: ChangeTarget, message: Pick<MessageEvent, 'id' | 'clientMsgId' | 'senderId'>, userId: string | null): boolean {
  return 'messageId' in target ? target.messageId === message.id : target.clientMsgId === message.clientMsgId && message.senderId === userId;
}

/** The held message a change target names, if the client holds it. */
export function heldTarget(conv: ConversationState | undefined, target: ChangeTarget, userId: string | null): MessageEvent | undefined {
  for (const event of conv?.events ?? []) {
    if (event.kind === 'message' && namesMessage(target, event, userId)) return event;
  }
  return undefined;
}

/** The event a change makes, given its seq, id, time and the message it targets. */
export function changeEvent(
  base: { id: string; conversationId: string; seq: number; ts: number; senderId: string; clientMsgId: string },
  change: Change,
  target: Pick<MessageEvent, 'id' | 'seq'>,
): LogEvent {
  const ref = { messageId: target.id, messageSeq: target.seq };
  switch (change.kind) {
    case 'edit':
      return {
        ...base,
        kind: 'message.edited',
        data: { ...ref, ...(change.text !== undefined ? { text: change.text } : {}), ...(change.custom !== undefined ? { custom: change.custom } : {}) },
      };
    case 'delete':
      return { ...base, kind: 'message.deleted', data: ref };
    case 'react':
      return { ...base, kind: 'reaction.added', data: { ...ref, key: change.key } };
    case 'unreact':
      return { ...base, kind: 'reaction.removed', data: { ...ref, key: change.key } };
  }
}

/**
 * The change event an ack proves to exist, built from the outbox entry it settles; undefined when
 * the client does not hold the target (the event names the target's seq: only the log tells).
 */
export function changeEventFromAck(ack: AckFrame, queued: QueuedChange, conv: ConversationState | undefined, userId: string): LogEvent | undefined {
  const target = heldTarget(conv, queued.target, userId);
  if (!target) return undefined;
  const base = { id: ack.eventId, conversationId: ack.conversationId, seq: ack.seq, ts: ack.ts, senderId: userId, clientMsgId: ack.clientMsgId };
  return changeEvent(base, queued.change, target);
}

/**
 * The event with the content the server stored instead of what the device sent (`ack.replaced`:
 * the app's hook rewrote it), so the sending device shows, and caches, what everyone else sees.
 * `replaced` is the stored content whole: a field it leaves out was not stored.
 */
export function withReplaced(event: LogEvent, replaced: AckFrame['replaced']): LogEvent {
  if (!replaced || (event.kind !== 'message' && event.kind !== 'message.edited')) return event;
  const { text: _text, custom: _custom, ...rest } = event.data;
  const content = { ...(replaced.text !== undefined ? { text: replaced.text } : {}), ...(replaced.custom !== undefined ? { custom: replaced.custom } : {}) };
  return event.kind === 'message' ? { ...event, data: { ...rest, ...content } } : { ...event, data: { ...(rest as typeof event.data), ...content } };
}
