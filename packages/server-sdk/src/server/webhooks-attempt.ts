import type { LogEvent } from '@parley/protocol';
import type { ChatStore, StoredDelivery } from '../store/types.js';
import { knownEvent } from './known-events.js';
import { signWebhook, type WebhookEventPayload } from './webhooks-signature.js';

/** What one HTTP attempt came to. */
export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; outcome: 'status' | 'timeout' | 'network'; error: string };

/**
 * The body of a delivery, read when it is sent: a log event from the log as it is now (a message
 * deleted since the enqueue arrives erased), a notice from its stored payload. Null when the log
 * no longer holds the event.
 */
export async function deliveryBody(store: ChatStore, delivery: StoredDelivery): Promise<string | null> {
  if (delivery.conversationId === null) return delivery.payload;
  const stored = await store.getEvent(delivery.conversationId, delivery.eventId);
  return stored ? JSON.stringify(eventPayload(stored)) : null;
}

/** A log event as receivers get it: without the store's internal marks, like clients get it. */
export function eventPayload(stored: LogEvent): WebhookEventPayload {
  const event = knownEvent(stored);
  return {
    id: event.id,
    type: event.kind,
    createdAt: event.ts,
    conversationId: event.conversationId,
    seq: event.seq,
    senderId: event.senderId,
    data: event.data as unknown as Record<string, unknown>,
  };
}

/** POSTs one signed attempt; any 2xx is a success, anything else (a timeout, a refused connection) a failure. */
export async function postDelivery(input: {
  url: string;
  secrets: readonly string[];
  delivery: StoredDelivery;
  body: string;
  timeoutMs: number;
  now: number;
}): Promise<AttemptResult> {
  const { delivery, body } = input;
  try {
    const res = await fetch(input.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'parley-webhooks',
        'parley-event-id': delivery.eventId,
        'parley-delivery-id': delivery.id,
        'parley-delivery-attempt': String(delivery.attempts),
        'parley-signature': signWebhook(input.secrets, input.now, body),
      },
      body,
      // A redirect is not a delivery: the receiver must answer at the configured URL.
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    // Nothing of the answer is used: dropping it unread keeps a large answer out of memory.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, outcome: 'status', error: `HTTP ${res.status}` };
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, outcome: 'timeout', error: `timed out after ${input.timeoutMs} ms` };
    return { ok: false, outcome: 'network', error: networkError(err) };
  }
}

function networkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici hides the socket error (ECONNREFUSED…) in `cause`.
  const cause = err.cause instanceof Error ? `: ${(err.cause as Error & { code?: string }).code ?? err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/**
 * Exponential backoff with full jitter: a random delay in [0, min(max, first·2^(attempt-1))), so
 * that a receiver coming back after an outage is not hit by every retry at the same moment.
 */
export function retryDelay(attempts: number, firstDelayMs: number, maxDelayMs: number): number {
  const ceiling = Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  return Math.floor(Math.random() * ceiling);
}
