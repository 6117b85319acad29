import * as v from 'valibot';
import { Id } from '../primitives.js';
import { Limits } from '../limits.js';

/**
 * WATCH (client → server): the conversations this connection shows right now (replaces the
 * previous set). Conversations above the server's fan-out threshold push live events only to
 * watching connections; every other member catches up by seq when it opens them.
 */
export const WatchFrame = v.strictObject({
  type: v.literal('watch'),
  conversationIds: v.pipe(v.array(Id), v.maxLength(Limits.maxUserIdsPerRequest)),
});
export type WatchFrame = v.InferOutput<typeof WatchFrame>;
