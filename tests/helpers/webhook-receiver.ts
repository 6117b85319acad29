import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type WebhookPayload } from '@parley/server-sdk';

/** One request the receiver got, as it arrived. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified, parsed body; null when verification failed (then `error` says why). */
  payload: WebhookPayload | null;
  error: string | null;
  /** The status the receiver answered. */
  status: number;
}

/** How the receiver answers a request: a status, after an optional delay. */
export type Behaviour = (req: { eventId: string; attempt: number; nthForEvent: number }) => { status: number; delayMs?: number };

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests answered 2xx, by event id (a receiver's dedup view: at least once). */
  delivered(): Map<string, WebhookPayload>;
  /** How many requests carried this event id, answered or not. */
  count(eventId: string): number;
  behave(behaviour: Behaviour): void;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver on a loopback port that verifies each request with `verifyWebhook` (as a
 * user's would) and answers what `behaviour` says: 200 by default, or failures and delays.
 */
export async function startWebhookReceiver(
  secret: string | string[],
  behaviour: Behaviour = () => ({ status: 200 }),
  port = 0,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const perEvent = new Map<string, number>();
  let behave = behaviour;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: WebhookPayload | null = null;
      let error: string | null = null;
      try {
        payload = verifyWebhook({ secret, body, signature: req.headers['parley-signature'] });
      } catch (err) {
        error = String(err);
      }
      const eventId = String(req.headers['parley-event-id'] ?? '');
      const nthForEvent = (perEvent.get(eventId) ?? 0) + 1;
      perEvent.set(eventId, nthForEvent);
      const answer = payload ? behave({ eventId, attempt: Number(req.headers['parley-delivery-attempt']), nthForEvent }) : { status: 401 };
      const reply = () => {
        received.push({ headers: req.headers, body, payload, error, status: answer.status });
        res.writeHead(answer.status).end();
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const listening = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${listening}/hooks`,
    received,
    delivered() {
      const out = new Map<string, WebhookPayload>();
      for (const r of received) if (r.payload && r.status >= 200 && r.status < 300) out.set(r.payload.id, r.payload);
      return out;
    },
    count: (eventId) => perEvent.get(eventId) ?? 0,
    behave(next) {
      behave = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
