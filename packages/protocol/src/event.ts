import * as v from 'valibot';
import { ClientMsgId, CustomData, Id, MentionList, Seq, Text, Timestamp, Title, WellFormedString } from './primitives.js';
import { Limits } from './limits.js';

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

/**
 * The message a reply quotes, as the server filled it in when the reply was stored: which message,
 * who wrote it, and the start of its text (`Limits.maxReplyPreviewLength`; empty when it had
 * none). A copy: it does not follow later changes of the quoted message.
 */
export const ReplyRef = v.strictObject({
  messageId: Id,
  seq: v.pipe(Seq, v.minValue(1)),
  senderId: Id,
  preview: v.pipe(WellFormedString, v.maxLength(Limits.maxReplyPreviewLength)),
});
export type ReplyRef = v.InferOutput<typeof ReplyRef>;

/**
 * What a message says: `text`, app data (`custom`), or both (a SEND needs at least one), the
 * members it mentions, and the message it replies to.
 */
export const MessageData = v.strictObject({
  text: v.optional(Text),
  custom: v.optional(CustomData),
  mentions: v.optional(MentionList),
  replyTo: v.optional(ReplyRef),
});
export type MessageData = v.InferOutput<typeof MessageData>;

export const MessageEvent = v.strictObject({
  ...base,
  kind: v.literal('message'),
  clientMsgId: ClientMsgId,
  data: MessageData,
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
