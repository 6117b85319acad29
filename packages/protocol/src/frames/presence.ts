import * as v from 'valibot';
import { Id, Timestamp, UserIdList } from '../primitives.js';

/** PRESENCE subscribe (client → server): follow these users' presence (shared conversations only). */
export const PresenceSubscribeFrame = v.strictObject({
  type: v.literal('presence.subscribe'),
  reqId: Id,
  userIds: UserIdList,
});
export type PresenceSubscribeFrame = v.InferOutput<typeof PresenceSubscribeFrame>;

/** PRESENCE (server → subscribers): a user's aggregated presence over all their devices. */
export const PresenceFrame = v.strictObject({
  type: v.literal('presence'),
  userId: Id,
  status: v.picklist(['online', 'away', 'offline']),
  lastSeenAt: v.nullable(Timestamp),
});
export type PresenceFrame = v.InferOutput<typeof PresenceFrame>;
