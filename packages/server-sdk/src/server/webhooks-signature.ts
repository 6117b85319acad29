import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, ParleyError } from '@parley/protocol';
import type { LogEvent } from '@parley/protocol';

/** The body of a webhook for a log event: the event as it is in the log when sent. */
export interface WebhookEventPayload {
  id: string;
  /** The log event's kind: `message`, `message.edited`, `members.added`… */
  type: LogEvent['kind'];
  /** When the event was stored (ms since the epoch). */
  createdAt: number;
  conversationId: string;
  seq: number;
  senderId: string;
  data: Record<string, unknown>;
}

/** The body of a webhook for an app notice that is not a log event (a report…). */
export interface WebhookNoticePayload {
  id: string;
  type: string;
  createdAt: number;
  conversationId?: string;
  data: unknown;
}

export type WebhookPayload = WebhookEventPayload | WebhookNoticePayload;

/** Why `verifyWebhook` refused a request. */
export type WebhookVerifyFailure = 'missing-signature' | 'malformed-signature' | 'stale' | 'bad-signature' | 'bad-body';

/** What `verifyWebhook` throws: a `ParleyError` (`UNAUTHORIZED`, or `BAD_FRAME` for a body that is not JSON) with a reason. */
export class WebhookVerificationError extends ParleyError {
  constructor(
    readonly reason: WebhookVerifyFailure,
    message: string,
  ) {
    super(reason === 'bad-body' ? ErrorCode.BAD_FRAME : ErrorCode.UNAUTHORIZED, message);
    this.name = 'WebhookVerificationError';
  }
}

/** Receivers accept a signature this far from their own clock, either way, by default (5 minutes). */
export const DEFAULT_WEBHOOK_TOLERANCE_MS = 5 * 60_000;

function hmac(secret: string, timestamp: number, body: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest();
}

/** The `parley-signature` header value: `t=<unix ms>,v1=<hex>` with one `v1` per secret. */
export function signWebhook(secrets: readonly string[], timestamp: number, body: string): string {
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmac(s, timestamp, body).toString('hex')}`)].join(',');
}

function parseSignature(header: string): { timestamp: number; signatures: Buffer[] } | null {
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,16}$/.test(value)) timestamp = Number(value);
    // Schemes other than v1 (a later release's) are skipped, not refused.
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * Checks a webhook request as a receiver gets it and returns its parsed body: the timestamp is
 * within `toleranceMs` of now (a captured request cannot be replayed later) and one `v1` is the
 * HMAC-SHA256 of `t + "." + body` under one of `secret` (several during a rotation), compared in
 * constant time. Pass the raw body exactly as received (before any JSON parsing). Throws a
 * `WebhookVerificationError` otherwise.
 *
 * @example
 * const payload = verifyWebhook({ secret: process.env.PARLEY_WEBHOOK_SECRET!, body: rawBody, signature: req.headers['parley-signature'] });
 * if (await alreadyHandled(payload.id)) return; // at-least-once: dedup by id
 */
export function verifyWebhook(input: {
  secret: string | readonly string[];
  body: string | Uint8Array;
  signature: string | readonly string[] | undefined | null;
  toleranceMs?: number;
  now?: number;
}): WebhookPayload {
  const header = Array.isArray(input.signature) ? input.signature.join(',') : (input.signature as string | undefined | null);
  if (!header) throw new WebhookVerificationError('missing-signature', 'webhook: no parley-signature header');
  const parsed = parseSignature(header);
  if (!parsed) throw new WebhookVerificationError('malformed-signature', 'webhook: parley-signature is not t=<ms>,v1=<hex>');
  const tolerance = input.toleranceMs ?? DEFAULT_WEBHOOK_TOLERANCE_MS;
  if (Math.abs((input.now ?? Date.now()) - parsed.timestamp) > tolerance) {
    throw new WebhookVerificationError('stale', 'webhook: signature timestamp outside the tolerance');
  }
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const ok = secrets.some((secret) => {
    const expected = hmac(secret, parsed.timestamp, input.body);
    return parsed.signatures.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
  if (!ok) throw new WebhookVerificationError('bad-signature', 'webhook: signature does not match');
  try {
    const text = typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
    return JSON.parse(text) as WebhookPayload;
  } catch {
    throw new WebhookVerificationError('bad-body', 'webhook: body is not JSON');
  }
}
