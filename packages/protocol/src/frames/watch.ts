import * as v from 'valibot';
import { Id } from '../primitives.js';
import { Limits } from '../limits.js';

/**
 * WATCH (client → server): the conversations this connection shows right now (replaces the
 * previous set). Conversations above the server's fan-out threshold push live events only to
 * watching connections; every other member catches up by seq when it opens them. With `reqId`
 * the server answers `watch.result` once the new set is in effect (older clients send none and
 * get no answer).
 */
export const WatchFrame = v.strictObject({
  type: v.literal('watch'),
  reqId: v.optional(Id),
  conversationIds: v.pipe(v.array(Id), v.maxLength(Limits.maxUserIdsPerRequest)),
});
export type WatchFrame = v.InferOutput<typeof WatchFrame>;

/**
 * WATCH result (server → client): the conversations this connection now watches, the asked ones
 * the user is a member of. Live pushes of any event stored after this frame reach it.
 */
export const WatchResultFrame = v.strictObject({
  type: v.literal('watch.result'),
  reqId: Id,
  conversationIds: v.array(Id),
});
export type WatchResultFrame = v.InferOutput<typeof WatchResultFrame>;
