import * as v from 'valibot';
import { ClientFrame, ServerFrame } from './frames/index.js';
import { isWellFormedText } from './primitives.js';

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; message: string };

function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return 'invalid frame';
  const path = first.path?.map((item) => String(item.key)).join('.') ?? '';
  // Keys come from the peer: keep the error frame itself well-formed UTF-16.
  return wellFormed(path ? `${path}: ${first.message}` : first.message);
}

function wellFormed(s: string): string {
  return isWellFormedText(s) ? s : s.replace(/\p{Cs}/gu, '\uFFFD');
}

function parseWith<T>(schema: v.GenericSchema<unknown, T>, input: unknown): ParseResult<T> {
  const result = v.safeParse(schema, input);
  return result.success
    ? { ok: true, frame: result.output }
    : { ok: false, message: describe(result.issues) };
}

/**
 * Validates an inbound client frame. The output is a fresh object holding only known keys, so
 * prototype-polluting keys in the input never reach application code.
 *
 * @example
 * const parsed = parseClientFrame(raw);
 * if (!parsed.ok) return reply({ type: 'error', code: ErrorCode.BAD_FRAME, message: parsed.message, retryable: false });
 */
export function parseClientFrame(input: unknown): ParseResult<ClientFrame> {
  return parseWith(ClientFrame, input);
}

/**
 * Validates an inbound server frame (clients do not trust the wire either).
 *
 * @example
 * const parsed = parseServerFrame(raw);
 * if (parsed.ok) handle(parsed.frame);
 */
export function parseServerFrame(input: unknown): ParseResult<ServerFrame> {
  return parseWith(ServerFrame, input);
}

/** Reads a string field of an unvalidated frame, to correlate an error reply with its request. */
export function peekString(input: unknown, key: string): string | undefined {
  if (typeof input !== 'object' || input === null || !Object.hasOwn(input, key)) return undefined;
  const value = (input as Record<string, unknown>)[key];
  return typeof value === 'string' && value.length <= 256 && isWellFormedText(value) ? value : undefined;
}
