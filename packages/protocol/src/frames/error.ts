import * as v from 'valibot';

/**
 * ERROR (server → client): a request could not be served. `reqId` is echoed when the failing
 * frame carried a readable one.
 */
export const ErrorFrame = v.strictObject({
  type: v.literal('error'),
  reqId: v.optional(v.pipe(v.string(), v.maxLength(256))),
  code: v.pipe(v.number(), v.integer()),
  message: v.string(),
  retryable: v.boolean(),
});
export type ErrorFrame = v.InferOutput<typeof ErrorFrame>;
