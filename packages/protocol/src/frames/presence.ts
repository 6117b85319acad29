import * as v from 'valibot';
import { Id, Timestamp, UserIdList } from '../primitives.js';

/** What subscribers see of a user, aggregated over all their devices. */
export const PresenceStatus = v.picklist(['online', 'away', 'offline']);
export type PresenceStatus = v.InferOutput<typeof PresenceStatus>;

/** One user's presence: `lastSeenAt` is null while online, or when the user hides it. */
export const UserPresence = v.strictObject({
  userId: Id,
  status: PresenceStatus,
  lastSeenAt: v.nullable(Timestamp),
});
export type UserPresence = v.InferOutput<typeof UserPresence>;

/**
 * PRESENCE subscribe (client → server): follow these users' presence on this connection. Only
 * users who share a conversation with the caller may be followed; the others are `denied`.
 */
export const PresenceSubscribeFrame = v.strictObject({
  type: v.literal('presence.subscribe'),
  reqId: Id,
  userIds: UserIdList,
});
export type PresenceSubscribeFrame = v.InferOutput<typeof PresenceSubscribeFrame>;

/** PRESENCE unsubscribe (client → server): stop following these users on this connection. */
export const PresenceUnsubscribeFrame = v.strictObject({
  type: v.literal('presence.unsubscribe'),
  userIds: UserIdList,
});
export type PresenceUnsubscribeFrame = v.InferOutput<typeof PresenceUnsubscribeFrame>;

/** PRESENCE set (client → server): this device is active (`online`) or idle (`away`). */
export const PresenceSetFrame = v.strictObject({
  type: v.literal('presence.set'),
  status: v.picklist(['online', 'away']),
});
export type PresenceSetFrame = v.InferOutput<typeof PresenceSetFrame>;

/** PRESENCE result (server → client): the current presence of the followed users. */
export const PresenceResultFrame = v.strictObject({
  type: v.literal('presence.result'),
  reqId: Id,
  users: v.array(UserPresence),
  /** Requested users the caller shares no conversation with: not followed. */
  denied: v.array(Id),
});
export type PresenceResultFrame = v.InferOutput<typeof PresenceResultFrame>;

/** PRESENCE (server → subscribers): a followed user's aggregated presence changed. */
export const PresenceFrame = v.strictObject({
  type: v.literal('presence'),
  userId: Id,
  status: PresenceStatus,
  lastSeenAt: v.nullable(Timestamp),
});
export type PresenceFrame = v.InferOutput<typeof PresenceFrame>;
