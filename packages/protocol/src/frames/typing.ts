import * as v from 'valibot';
import { Id } from '../primitives.js';

/** TYPING (client → server): the user is typing; volatile, never stored. */
export const TypingFrame = v.strictObject({
  type: v.literal('typing'),
  conversationId: Id,
});
export type TypingFrame = v.InferOutput<typeof TypingFrame>;

/** TYPING (server → other members): show an indicator for at most `expiresInMs`. */
export const TypingUpdateFrame = v.strictObject({
  type: v.literal('typing.update'),
  conversationId: Id,
  userId: Id,
  expiresInMs: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type TypingUpdateFrame = v.InferOutput<typeof TypingUpdateFrame>;
