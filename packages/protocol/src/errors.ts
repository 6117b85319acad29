/**
 * Stable error codes. Ranges carry meaning:
 * - 4000–4289: the request is wrong and will stay wrong: do not retry it unchanged.
 * - 4290–4299: the request is fine but came too fast: retry later, with backoff.
 * - 5000–5999: the server could not complete it: safe to retry (sends are idempotent by clientMsgId).
 *
 * @example
 * if (frame.code === ErrorCode.NOT_FOUND) showGone();
 */
export const ErrorCode = {
  /** The frame failed schema validation. */
  BAD_FRAME: 4000,
  /** The client speaks a protocol version this server does not. */
  UNSUPPORTED_PROTOCOL: 4001,
  /** No valid credentials: missing, malformed, expired, tampered or wrongly signed token. */
  UNAUTHORIZED: 4010,
  /** Authenticated, but this action is not allowed (e.g. removing another member without owning the group). */
  FORBIDDEN: 4030,
  /** No such conversation, or the caller is not a member: deliberately indistinguishable. */
  NOT_FOUND: 4040,
  /** The frame is larger than `Limits.maxFrameBytes`. */
  FRAME_TOO_LARGE: 4130,
  /** A count limit was hit (members per conversation, ids per request). */
  LIMIT_EXCEEDED: 4131,
  /** An attachment's type is not one this server accepts. */
  UNSUPPORTED_TYPE: 4150,
  /**
   * A message names an attachment whose upload is missing or differs from what was declared
   * (size, type): upload the file again (a new slot for the same attachment id), then send again.
   */
  UPLOAD_INCOMPLETE: 4220,
  /** Too many requests; retry after a pause. */
  RATE_LIMITED: 4290,
  /**
   * A SEND's `after` (the device's previous message in that conversation) is not stored yet:
   * send that one first, then this one again. Never a backoff on its own.
   */
  OUT_OF_ORDER: 4291,
  /** Unexpected server failure. */
  INTERNAL: 5000,
  /** The server or its store is unavailable or shutting down. */
  UNAVAILABLE: 5030,
  /** Client-side only: the request timed out or the connection closed before an answer. */
  TIMEOUT: 5040,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export type ErrorCodeName = keyof typeof ErrorCode;

const NAMES = new Map<number, ErrorCodeName>(
  (Object.keys(ErrorCode) as ErrorCodeName[]).map((name) => [ErrorCode[name], name]),
);

/**
 * Whether a request that failed with `code` may succeed if sent again unchanged.
 *
 * @example
 * if (isRetryable(nack.code)) scheduleRetry(); else markFailed();
 */
export function isRetryable(code: number): boolean {
  return (code >= 4290 && code <= 4299) || (code >= 5000 && code <= 5999);
}

/** The symbolic name of a code (`'NOT_FOUND'`), or `'UNKNOWN'`. */
export function errorCodeName(code: number): ErrorCodeName | 'UNKNOWN' {
  return NAMES.get(code) ?? 'UNKNOWN';
}
