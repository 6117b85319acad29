import * as v from 'valibot';
import { ClientMsgId, Id, Seq, Text, Timestamp, Title } from './primitives.js';

const base = {
  /** Server-assigned, globally unique event id. */
  id: Id,
  conversationId: Id,
  /** Position in the conversation's log: contiguous from 1, never reused. */
  seq: v.pipe(Seq, v.minValue(1)),
  /** Who caused the event. */
  senderId: Id,
  /** Server time of persisting. Display only: order by `seq`. */
  ts: Timestamp,
};

export const MessageEvent = v.strictObject({
  ...base,
  kind: v.literal('message'),
  clientMsgId: ClientMsgId,
  data: v.strictObject({ text: Text }),
});

export const ConversationCreatedEvent = v.strictObject({
  ...base,
  kind: v.literal('conversation.created'),
  data: v.strictObject({
    type: v.picklist(['direct', 'group']),
    title: v.nullable(Title),
    members: v.array(Id),
  }),
});

export const MembersAddedEvent = v.strictObject({
  ...base,
  kind: v.literal('members.added'),
  data: v.strictObject({ userIds: v.array(Id) }),
});

export const MembersRemovedEvent = v.strictObject({
  ...base,
  kind: v.literal('members.removed'),
  /** `ownerId`: set when the removal passed ownership on, to the member who owns the group now. */
  data: v.strictObject({ userIds: v.array(Id), ownerId: v.optional(Id) }),
});

/**
 * One entry of a conversation's seq-ordered log. Messages and membership changes share the log,
 * so one resync mechanism carries all of them; clients fold events into state.
 */
export const LogEvent = v.variant('kind', [
  MessageEvent,
  ConversationCreatedEvent,
  MembersAddedEvent,
  MembersRemovedEvent,
]);

export type LogEvent = v.InferOutput<typeof LogEvent>;
export type LogEventKind = LogEvent['kind'];
export type MessageEvent = v.InferOutput<typeof MessageEvent>;
