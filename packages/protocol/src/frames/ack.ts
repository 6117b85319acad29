import * as v from 'valibot';
import { ClientMsgId, Id, Seq, Timestamp } from '../primitives.js';

/**
 * ACK (server → sender): the message is durable at `seq`. A repeated SEND gets the same
 * `seq` and `eventId` with `duplicate: true`.
 */
export const AckFrame = v.strictObject({
  type: v.literal('ack'),
  conversationId: Id,
  clientMsgId: ClientMsgId,
  eventId: Id,
  seq: v.pipe(Seq, v.minValue(1)),
  ts: Timestamp,
  duplicate: v.boolean(),
});
export type AckFrame = v.InferOutput<typeof AckFrame>;
