import * as v from 'valibot';
import { ConversationSummary } from '../conversation.js';
import { Id, Title, UserIdList } from '../primitives.js';

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

/** Remove members from a group: yourself (leave) or, as the owner, anyone. */
export const MembersRemoveFrame = v.strictObject({
  type: v.literal('members.remove'),
  reqId: Id,
  conversationId: Id,
  userIds: UserIdList,
});
export type MembersRemoveFrame = v.InferOutput<typeof MembersRemoveFrame>;

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
