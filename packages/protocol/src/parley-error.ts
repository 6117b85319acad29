import { ErrorCode, errorCodeName, isRetryable } from './errors.js';

const BRAND = Symbol.for('parley.error');

/**
 * The one error type Parley throws or rejects with, on both sides of the wire.
 *
 * @example
 * try { await chat.openDirect('bob'); }
 * catch (err) { if (isParleyError(err) && err.code === ErrorCode.UNAUTHORIZED) signIn(); }
 */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParleyError';
    this.code = code;
    this.retryable = isRetryable(code);
  }

  /** Short form for logs: `NOT_FOUND(4040): conversation not found`. */
  override toString(): string {
    return `${errorCodeName(this.code)}(${this.code}): ${this.message}`;
  }

  /**
   * Normalizes anything thrown into a ParleyError; unknown failures become `INTERNAL`,
   * keeping the original as `cause`.
   */
  static from(err: unknown, fallback: ErrorCode = ErrorCode.INTERNAL): ParleyError {
    if (isParleyError(err)) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new ParleyError(fallback, message, { cause: err });
  }

  /**
   * The error an `error` or `nack` frame (or any `{ code, message }` from the wire) stands for.
   * A code this version does not know (a newer server's) keeps its meaning by range: 429x stays
   * a retry-later, 5xxx a retryable server failure, anything else a request error; the wire code
   * and message stay readable in the message and `cause`.
   *
   * @example
   * if (frame.type === 'error') pending.reject(ParleyError.fromWire(frame));
   */
  static fromWire(wire: { code: number; message: string }): ParleyError {
    if (isErrorCode(wire.code)) return new ParleyError(wire.code, wire.message);
    const code = isRetryable(wire.code)
      ? wire.code >= 5000 ? ErrorCode.INTERNAL : ErrorCode.RATE_LIMITED
      : ErrorCode.BAD_FRAME;
    return new ParleyError(code, `${wire.message} (code ${wire.code})`, { cause: wire });
  }
}

/** Whether `code` is one of this version's `ErrorCode`s. */
function isErrorCode(code: number): code is ErrorCode {
  return errorCodeName(code) !== 'UNKNOWN';
}

/** Type guard that also works across duplicated copies of this package. */
export function isParleyError(err: unknown): err is ParleyError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: boolean })[BRAND] === true;
}
