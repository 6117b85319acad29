import * as v from 'valibot';
import { LogEvent } from '../event.js';

/**
 * MESSAGE (server → member connections): a new log event, pushed after it is durable. A fast
 * path only: a client that sees `seq` jump past its cursor fills the gap with `sync`.
 */
export const EventFrame = v.strictObject({
  type: v.literal('event'),
  event: LogEvent,
});
export type EventFrame = v.InferOutput<typeof EventFrame>;
