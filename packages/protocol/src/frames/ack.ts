import * as v from 'valibot';
import { ClientMsgId, CustomData, Id, Seq, Text, Timestamp } from '../primitives.js';

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
  /**
   * Set when the server stored other content than the device sent (the app's `beforeSend` or
   * `beforeChange` hook replaced it: a moderated word, a rewritten link): the text and app data
   * that were stored, which the device shows instead of its own.
   */
  replaced: v.optional(v.strictObject({ text: v.optional(Text), custom: v.optional(CustomData) })),
});
export type AckFrame = v.InferOutput<typeof AckFrame>;
