import * as v from 'valibot';
import { ClientMsgId, CustomData, Description, Id, ImageUrl, MemberRole, MentionList, ReactionKey, Seq, Text, Timestamp, Title, WellFormedString } from './primitives.js';
import { Limits } from './limits.js';
import { AttachmentList } from './attachment.js';

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

/** A message of the log named by its id and its seq (the server checks they belong together). */
export const MessageRef = v.strictObject({
  messageId: Id,
  seq: v.pipe(Seq, v.minValue(1)),
});
export type MessageRef = v.InferOutput<typeof MessageRef>;

/**
 * What a message says: `text`, app data (`custom`), files (`attachments`), or several (a SEND
 * needs at least one; a deleted message has none), the members it mentions, the message it
 * replies to, and `thread`: the root message of the thread it is a reply in (absent: the message
 * is in the main timeline). Edits replace `text` and `custom`; the attachments stay.
 */
export const MessageData = v.strictObject({
  text: v.optional(Text),
  custom: v.optional(CustomData),
  attachments: v.optional(AttachmentList),
  mentions: v.optional(MentionList),
  replyTo: v.optional(ReplyRef),
  thread: v.optional(MessageRef),
});
export type MessageData = v.InferOutput<typeof MessageData>;

/** One reaction key on a message and who reacted with it, in the order they did. */
export const ReactionGroup = v.strictObject({
  key: ReactionKey,
  userIds: v.pipe(v.array(Id), v.minLength(1)),
});
export type ReactionGroup = v.InferOutput<typeof ReactionGroup>;

/**
 * A message's state folded from the changes that target it (edits, a delete, reactions, thread
 * replies): exactly the fold of every event up to `asOfSeq`, none after it. History pages and
 * cold-sync tails carry messages with their state (and `data` as now: edited, or erased when
 * deleted); a pushed or synced message carries none (its state is its own seq). A client folds
 * a change into a message only when the change's seq is above the message's `asOfSeq`
 * (`foldIntoMessage`), so a page and the events around it never apply a change twice.
 */
export const MessageState = v.strictObject({
  asOfSeq: v.pipe(Seq, v.minValue(1)),
  /** `ts` of the edit that set the current content. */
  editedAt: v.optional(Timestamp),
  /** Set once the message is deleted: who deleted it and when. `data` keeps only `thread`. */
  deleted: v.optional(v.strictObject({ by: Id, at: Timestamp })),
  reactions: v.optional(v.array(ReactionGroup)),
  /** Thread replies to this message (a root), deleted ones included. */
  replyCount: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  lastReplyAt: v.optional(Timestamp),
});
export type MessageState = v.InferOutput<typeof MessageState>;

export const MessageEvent = v.strictObject({
  ...base,
  kind: v.literal('message'),
  clientMsgId: ClientMsgId,
  data: MessageData,
  state: v.optional(MessageState),
});

/** The new content of an edited message: it replaces `text` and `custom` (mentions, reply and thread stay). */
export const EditData = v.strictObject({
  messageId: Id,
  messageSeq: v.pipe(Seq, v.minValue(1)),
  text: v.optional(Text),
  custom: v.optional(CustomData),
});

export const MessageEditedEvent = v.strictObject({
  ...base,
  kind: v.literal('message.edited'),
  clientMsgId: ClientMsgId,
  data: EditData,
});

/** A delete: the target's content is erased from the store; the tombstone keeps its seq. */
export const MessageDeletedEvent = v.strictObject({
  ...base,
  kind: v.literal('message.deleted'),
  clientMsgId: ClientMsgId,
  data: v.strictObject({ messageId: Id, messageSeq: v.pipe(Seq, v.minValue(1)) }),
});

const ReactionData = v.strictObject({ messageId: Id, messageSeq: v.pipe(Seq, v.minValue(1)), key: ReactionKey });

/** `senderId` reacted with `key` (again: a repeat changes nothing). */
export const ReactionAddedEvent = v.strictObject({
  ...base,
  kind: v.literal('reaction.added'),
  clientMsgId: ClientMsgId,
  data: ReactionData,
});

/** `senderId` took back `key` (one they did not hold: changes nothing). */
export const ReactionRemovedEvent = v.strictObject({
  ...base,
  kind: v.literal('reaction.removed'),
  clientMsgId: ClientMsgId,
  data: ReactionData,
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
  /**
   * `ownerId`: set when the removal passed ownership on, to the member who owns the group now.
   * `banned`: the removed users are banned from the group (nobody can add them back until unbanned).
   */
  data: v.strictObject({ userIds: v.array(Id), ownerId: v.optional(Id), banned: v.optional(v.literal(true)) }),
});

/**
 * A change of a group's details: only the fields named change; `null` clears one. `custom` is the
 * app's own data about the group (plain JSON, at most `Limits.maxCustomBytes`), replaced whole.
 */
export const ConversationPatch = v.pipe(
  v.strictObject({
    title: v.optional(v.nullable(v.pipe(Title, v.minLength(1)))),
    image: v.optional(v.nullable(ImageUrl)),
    description: v.optional(v.nullable(Description)),
    custom: v.optional(v.nullable(CustomData)),
    /**
     * Slow mode: each member (owners and admins excepted) may send one message this often, in ms
     * (1000 to `Limits.maxSlowModeMs`); `null` turns it off.
     */
    slowModeMs: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1000), v.maxValue(Limits.maxSlowModeMs)))),
  }),
  v.check((patch) => Object.keys(patch).length > 0, 'a patch changes at least one field'),
);
export type ConversationPatch = v.InferOutput<typeof ConversationPatch>;

/** `senderId` changed the group's details (an owner or an admin, or the app's backend). */
export const ConversationUpdatedEvent = v.strictObject({
  ...base,
  kind: v.literal('conversation.updated'),
  data: ConversationPatch,
});

/** One member's new role. */
export const RoleChange = v.strictObject({ userId: Id, role: MemberRole });
export type RoleChange = v.InferOutput<typeof RoleChange>;

/**
 * `senderId` changed roles: one member made admin or member again, or the ownership handed over
 * (two changes in one event: the new owner, and the previous one, now an admin).
 */
export const MembersRoleEvent = v.strictObject({
  ...base,
  kind: v.literal('members.role'),
  data: v.strictObject({ changes: v.pipe(v.array(RoleChange), v.minLength(1), v.maxLength(2)) }),
});

/**
 * One entry of a conversation's seq-ordered log. Messages and membership changes share the log,
 * so one resync mechanism carries all of them; clients fold events into state.
 */
export const LogEvent = v.variant('kind', [
  MessageEvent,
  MessageEditedEvent,
  MessageDeletedEvent,
  ReactionAddedEvent,
  ReactionRemovedEvent,
  ConversationCreatedEvent,
  MembersAddedEvent,
  MembersRemovedEvent,
  ConversationUpdatedEvent,
  MembersRoleEvent,
]);

export type LogEvent = v.InferOutput<typeof LogEvent>;
export type LogEventKind = LogEvent['kind'];
export type MessageEvent = v.InferOutput<typeof MessageEvent>;
export type MessageEditedEvent = v.InferOutput<typeof MessageEditedEvent>;
export type MessageDeletedEvent = v.InferOutput<typeof MessageDeletedEvent>;
export type ReactionAddedEvent = v.InferOutput<typeof ReactionAddedEvent>;
export type ReactionRemovedEvent = v.InferOutput<typeof ReactionRemovedEvent>;
export type ConversationUpdatedEvent = v.InferOutput<typeof ConversationUpdatedEvent>;
export type MembersRoleEvent = v.InferOutput<typeof MembersRoleEvent>;
/** An event that changes one message of the log: its `data.messageId` and `data.messageSeq` name it. */
export type ChangeEvent = MessageEditedEvent | MessageDeletedEvent | ReactionAddedEvent | ReactionRemovedEvent;
export type ChangeKind = ChangeEvent['kind'];
