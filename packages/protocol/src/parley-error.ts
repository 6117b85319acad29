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
}

/** Type guard that also works across duplicated copies of this package. */
export function isParleyError(err: unknown): err is ParleyError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: boolean })[BRAND] === true;
}
