import * as v from 'valibot';
import { ConversationSummary } from '../conversation.js';
import { Id, MemberRole, Timestamp, Title, UserIdList } from '../primitives.js';
import { ConversationPatch } from '../event.js';

/** Open (or create, idempotently) the one direct conversation with `userId`. */
export const DirectOpenFrame = v.strictObject({
  type: v.literal('direct.open'),
  reqId: Id,
  userId: Id,
});
export type DirectOpenFrame = v.InferOutput<typeof DirectOpenFrame>;

/** Create a group; the caller becomes its owner and a member. */
export const GroupCreateFrame = v.strictObject({
  type: v.literal('group.create'),
  reqId: Id,
  title: v.optional(v.pipe(Title, v.minLength(1))),
  members: UserIdList,
});
export type GroupCreateFrame = v.InferOutput<typeof GroupCreateFrame>;

/** Add members to a group (any member may). */
export const MembersAddFrame = v.strictObject({
  type: v.literal('members.add'),
  reqId: Id,
  conversationId: Id,
  userIds: UserIdList,
});
export type MembersAddFrame = v.InferOutput<typeof MembersAddFrame>;

/**
 * Remove members from a group: yourself (leave) or, as the owner or an admin, others (an admin
 * removes members only). With `ban`, the removed cannot be added back until unbanned (`bans`).
 */
export const MembersRemoveFrame = v.strictObject({
  type: v.literal('members.remove'),
  reqId: Id,
  conversationId: Id,
  userIds: UserIdList,
  ban: v.optional(v.boolean()),
});
export type MembersRemoveFrame = v.InferOutput<typeof MembersRemoveFrame>;

/** Change a group's details (owner or admin): answered with `conversation`; members get `conversation.updated`. */
export const ConversationUpdateFrame = v.strictObject({
  type: v.literal('conversation.update'),
  reqId: Id,
  conversationId: Id,
  patch: ConversationPatch,
});
export type ConversationUpdateFrame = v.InferOutput<typeof ConversationUpdateFrame>;

/**
 * Change a member's role (the owner only): `admin` or `member`; `owner` hands the ownership over
 * (the caller becomes an admin). Answered with `conversation`; members get `members.role`.
 */
export const MembersRoleFrame = v.strictObject({
  type: v.literal('members.role'),
  reqId: Id,
  conversationId: Id,
  userId: Id,
  role: MemberRole,
});
export type MembersRoleFrame = v.InferOutput<typeof MembersRoleFrame>;

/**
 * Mute a conversation for yourself until `until` (ms; a far-off time for "until I unmute"), or
 * unmute it (`null`). Answered with `conversation`; the user's other devices get it too.
 */
export const MuteFrame = v.strictObject({
  type: v.literal('mute'),
  reqId: Id,
  conversationId: Id,
  until: v.nullable(Timestamp),
});
export type MuteFrame = v.InferOutput<typeof MuteFrame>;

/** Read a group's bans, and lift some (owner or admin): answered with `bans.result`. */
export const BansFrame = v.strictObject({
  type: v.literal('bans'),
  reqId: Id,
  conversationId: Id,
  unban: v.optional(UserIdList),
});
export type BansFrame = v.InferOutput<typeof BansFrame>;

/** The users banned from a group, after the request's changes. */
export const BansResultFrame = v.strictObject({
  type: v.literal('bans.result'),
  reqId: Id,
  conversationId: Id,
  userIds: v.array(Id),
});
export type BansResultFrame = v.InferOutput<typeof BansResultFrame>;

/**
 * CONVERSATION (server → client): the answer to `direct.open` / `group.create` / `members.*`
 * (with `reqId`), or a push when the user is added to a conversation (without).
 */
export const ConversationFrame = v.strictObject({
  type: v.literal('conversation'),
  reqId: v.optional(Id),
  conversation: ConversationSummary,
});
export type ConversationFrame = v.InferOutput<typeof ConversationFrame>;
