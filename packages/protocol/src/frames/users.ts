import * as v from 'valibot';
import { CustomData, Id, ImageUrl, UserIdList, WellFormedString } from '../primitives.js';
import { Limits } from '../limits.js';

/**
 * A user as the app describes them (the server asks the app's `resolveUsers`): a display name, an
 * avatar URL and the app's own data. Parley keeps no profiles; ids the app does not know are left
 * out of answers.
 */
export const UserProfile = v.strictObject({
  id: Id,
  name: v.optional(v.pipe(WellFormedString, v.maxLength(Limits.maxNameLength))),
  image: v.optional(ImageUrl),
  custom: v.optional(CustomData),
});
export type UserProfile = v.InferOutput<typeof UserProfile>;

/**
 * USERS (client → server): the profiles of `userIds`, or people matching `query` (a name typed in
 * a people picker; the app's `searchUsers` decides who may find whom). Exactly one of the two
 * (the server answers BAD_FRAME otherwise).
 */
export const UsersFrame = v.strictObject({
  type: v.literal('users'),
  reqId: Id,
  userIds: v.optional(UserIdList),
  query: v.optional(v.pipe(WellFormedString, v.minLength(1), v.maxLength(Limits.maxUserQueryLength))),
});
export type UsersFrame = v.InferOutput<typeof UsersFrame>;

export const UsersResultFrame = v.strictObject({
  type: v.literal('users.result'),
  reqId: Id,
  users: v.array(UserProfile),
});
export type UsersResultFrame = v.InferOutput<typeof UsersResultFrame>;

/** Pushed when the app says these users' profiles changed: clients holding them ask again. */
export const UsersChangedFrame = v.strictObject({
  type: v.literal('users.changed'),
  userIds: v.pipe(v.array(Id), v.minLength(1)),
});
export type UsersChangedFrame = v.InferOutput<typeof UsersChangedFrame>;

/**
 * BLOCKS (client → server): block and unblock users; with neither, only read the list. Answered
 * with `blocks.result` (with `reqId`), which the user's other devices get pushed (without).
 */
export const BlocksFrame = v.strictObject({
  type: v.literal('blocks'),
  reqId: Id,
  block: v.optional(UserIdList),
  unblock: v.optional(UserIdList),
});
export type BlocksFrame = v.InferOutput<typeof BlocksFrame>;

/** The users this user blocks, after the request's changes. */
export const BlocksResultFrame = v.strictObject({
  type: v.literal('blocks.result'),
  reqId: v.optional(Id),
  userIds: v.array(Id),
});
export type BlocksResultFrame = v.InferOutput<typeof BlocksResultFrame>;

/**
 * REPORT (client → server): flag a message of a conversation you are a member of for your app's
 * moderators. Stored, then told to the app (`chat.on('report')`, a webhook). Reporting the same
 * message again updates your report.
 */
export const ReportFrame = v.strictObject({
  type: v.literal('report'),
  reqId: Id,
  conversationId: Id,
  messageId: Id,
  reason: v.pipe(WellFormedString, v.minLength(1), v.maxLength(Limits.maxReportReasonLength)),
});
export type ReportFrame = v.InferOutput<typeof ReportFrame>;

export const ReportResultFrame = v.strictObject({
  type: v.literal('report.result'),
  reqId: Id,
  reportId: Id,
});
export type ReportResultFrame = v.InferOutput<typeof ReportResultFrame>;
