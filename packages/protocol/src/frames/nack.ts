import * as v from 'valibot';
import { Id } from '../primitives.js';

/**
 * NACK (server → sender): the SEND was not stored. `retryable: false` is definitive: the client
 * marks the message `failed` and shows it. `clientMsgId` is echoed as sent (it may be invalid).
 */
export const NackFrame = v.strictObject({
  type: v.literal('nack'),
  conversationId: v.nullable(Id),
  clientMsgId: v.pipe(v.string(), v.maxLength(256)),
  code: v.pipe(v.number(), v.integer()),
  message: v.string(),
  retryable: v.boolean(),
});
export type NackFrame = v.InferOutput<typeof NackFrame>;
