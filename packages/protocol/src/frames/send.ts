import * as v from 'valibot';
import { ClientMsgId, Id, Text } from '../primitives.js';

/**
 * SEND (client → server): append a message. Retried with the same `clientMsgId` until an `ack`
 * or a definitive `nack`; the server turns repeats into the original `ack`.
 */
export const SendFrame = v.strictObject({
  type: v.literal('send'),
  conversationId: Id,
  clientMsgId: ClientMsgId,
  data: v.strictObject({ text: Text }),
});
export type SendFrame = v.InferOutput<typeof SendFrame>;
