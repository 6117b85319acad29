import * as v from 'valibot';
import { ClientMsgId, CustomData, Id, MentionList, Text } from '../primitives.js';

/**
 * What a SEND asks to store: `text`, app data (`custom`) or both; the members it mentions (each
 * must be a member); and `replyTo`, the id of a message of the same conversation it quotes (the
 * server fills in the quote).
 */
export const SendData = v.pipe(
  v.strictObject({
    text: v.optional(Text),
    custom: v.optional(CustomData),
    mentions: v.optional(MentionList),
    replyTo: v.optional(Id),
  }),
  v.check((data) => data.text !== undefined || data.custom !== undefined, 'a message needs text or custom data'),
);
export type SendData = v.InferOutput<typeof SendData>;

/**
 * SEND (client → server): append a message. Retried with the same `clientMsgId` until an `ack`
 * or a definitive `nack`; the server turns repeats into the original `ack`.
 *
 * `after` keeps one device's messages in the order it sent them, whatever is refused on the way:
 * it names the device's previous message in this conversation that the device has not seen
 * acknowledged yet (absent when there is none). The server stores this message only once that
 * one is stored, and otherwise answers the retryable `OUT_OF_ORDER`, so the device sends the
 * earlier one first and this one again after it.
 */
export const SendFrame = v.strictObject({
  type: v.literal('send'),
  conversationId: Id,
  clientMsgId: ClientMsgId,
  after: v.optional(ClientMsgId),
  data: SendData,
});
export type SendFrame = v.InferOutput<typeof SendFrame>;
