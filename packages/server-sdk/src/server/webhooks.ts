import type { LogEvent } from '@parley/protocol';
import type { ChatStore, DeliveryOutcome, DeliveryState, NewDelivery, StoredDelivery } from '../store/types.js';
import type { Logger } from '../logger.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';
import { deliveryBody, postDelivery, retryDelay } from './webhooks-attempt.js';

export interface WebhookEndpoint {
  /** Unique name; part of each delivery's id. */
  name: string;
  url: string;
  /** HMAC-SHA256 key; several during a rotation: the first signs, receivers accept any. */
  secret: string | string[];
  /** Event types sent to this endpoint (log event kinds such as 'message', 'message.edited', 'members.added', or notice types); default all. */
  events?: readonly string[];
}

export interface WebhookOptions {
  endpoints: readonly WebhookEndpoint[];
  /** Attempts before a delivery is dead (default 10). */
  maxAttempts?: number;
  /** Exponential backoff with full jitter between attempts (defaults 1 s, 1 h). */
  retry?: { firstDelayMs?: number; maxDelayMs?: number };
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Attempts in flight per node (default 8). */
  concurrency?: number;
  /** How often a node looks for due deliveries (default 1 s); an enqueue on this node wakes it at once. */
  pollIntervalMs?: number;
  /** Claim lease (default timeoutMs + 30 s). */
  leaseMs?: number;
  /** Delivered deliveries kept for replay (default 7 days), then purged. */
  keepDeliveredMs?: number;
}

export interface WebhookDispatcher {
  /** Durably queues the events for every endpoint that wants them; resolves once stored. Idempotent. */
  enqueue(events: readonly LogEvent[]): Promise<void>;
  /** Queues an app notice that is not a log event (e.g. a report): `id` is its idempotency key. */
  notice(notice: { id: string; type: string; data: unknown; conversationId?: string }): Promise<void>;
  list(filter: { state: DeliveryState; endpoint?: string; after?: string; limit?: number }): Promise<StoredDelivery[]>;
  replay(filter: { ids: readonly string[] } | { state: 'dead'; endpoint?: string }): Promise<number>;
  /** Stops polling and waits for attempts in flight (their deliveries stay claimed until the lease runs out if cut). */
  close(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60_000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Sends stored events to HTTP endpoints through the store's delivery queue: at least once, with
 * the event id as idempotency key, signed, retried with backoff until `maxAttempts`, then dead
 * (and replayable). Several nodes on one store share the queue; each delivery is leased by one.
 *
 * @example
 * const webhooks = createWebhookDispatcher({ store, logger, metrics }, {
 *   endpoints: [{ name: 'crm', url: 'https://crm.example/parley', secret: process.env.HOOK_SECRET! }],
 * });
 * await webhooks.enqueue([event]); // before the ACK
 */
export function createWebhookDispatcher(
  deps: { store: ChatStore; logger: Logger; metrics: ChatMetrics; now?: () => number },
  options: WebhookOptions,
): WebhookDispatcher {
  const { store, logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  const endpoints = new Map(options.endpoints.map((e) => [e.name, e]));
  if (endpoints.size !== options.endpoints.length) throw new Error('webhooks: endpoint names must be unique');
  const maxAttempts = Math.max(1, options.maxAttempts ?? 10);
  const firstDelayMs = options.retry?.firstDelayMs ?? 1000;
  const maxDelayMs = options.retry?.maxDelayMs ?? 60 * 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? timeoutMs + 30_000;
  const keepDeliveredMs = options.keepDeliveredMs ?? 7 * DAY_MS;
  if (leaseMs <= timeoutMs) {
    // A lease that runs out mid-attempt lets another node send the same delivery at once.
    logger.warn('webhooks: leaseMs should be well above timeoutMs, or slow attempts are sent twice', { leaseMs, timeoutMs });
  }

  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;
  let lastPurge = 0;

  const wants = (endpoint: WebhookEndpoint, type: string) => !endpoint.events || endpoint.events.includes(type);

  /** Claims what is due, up to the free slots; one pump at a time (a call during one makes it look again). */
  function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return pumping;
    }
    pumping = pumpOnce().finally(() => {
      pumping = null;
    });
    return pumping;
  }

  async function pumpOnce(): Promise<void> {
    try {
      do {
        pumpAgain = false;
        const room = concurrency - inFlight.size;
        if (closed || room <= 0) return;
        const claimed = await store.claimDeliveries(now(), room, leaseMs);
        for (const delivery of claimed) track(attempt(delivery));
        // A full batch may mean more are due: look again once this one is started.
        if (claimed.length === room) pumpAgain = true;
      } while (pumpAgain && !closed && inFlight.size < concurrency);
      await purgeNow();
    } catch (err) {
      metrics.webhookQueueErrors.inc();
      logger.warn('webhooks: the queue could not be read; retrying at the next poll', { err });
    }
  }

  function track(p: Promise<void>): void {
    inFlight.add(p);
    void p.finally(() => {
      inFlight.delete(p);
      // A finished attempt frees a slot: fill it without waiting for the poll.
      if (!closed) void pump();
    });
  }

  async function purgeNow(): Promise<void> {
    if (now() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = now();
    const purged = await store.purgeDeliveries(now() - keepDeliveredMs);
    if (purged > 0) logger.debug('webhooks: purged delivered deliveries', { purged });
  }

  async function attempt(delivery: StoredDelivery): Promise<void> {
    const endpoint = endpoints.get(delivery.endpoint);
    const labels = { endpoint: delivery.endpoint };
    try {
      const outcome = endpoint ? await send(endpoint, delivery) : notConfigured(delivery);
      const settled = await store.settleDelivery(delivery.id, delivery.claimToken ?? '', outcome, now());
      if (!settled) logger.warn('webhooks: lease ran out before the attempt ended; another node owns it now', { delivery: delivery.id });
      if (settled && outcome.state === 'dead') {
        metrics.webhookDead.inc(labels);
        logger.error('webhooks: delivery is dead', { delivery: delivery.id, attempts: delivery.attempts, error: outcome.error });
      }
    } catch (err) {
      // A store error: the lease runs out and the delivery is claimed again (at least once).
      metrics.webhookQueueErrors.inc();
      logger.warn('webhooks: could not settle a delivery; it is retried when its lease runs out', { delivery: delivery.id, err });
    }
  }

  async function send(endpoint: WebhookEndpoint, delivery: StoredDelivery): Promise<DeliveryOutcome> {
    const body = await deliveryBody(store, delivery);
    if (body === null) return { state: 'dead', error: 'the event is no longer in the log' };
    const secrets = typeof endpoint.secret === 'string' ? [endpoint.secret] : endpoint.secret;
    const started = performance.now();
    const result = await postDelivery({ url: endpoint.url, secrets, delivery, body, timeoutMs, now: now() });
    const outcome = result.ok ? 'delivered' : result.outcome;
    metrics.webhookAttempts.inc({ endpoint: endpoint.name, outcome });
    metrics.webhookLatency.observe((performance.now() - started) / 1000, { endpoint: endpoint.name });
    if (result.ok) return { state: 'delivered' };
    logger.info('webhooks: attempt failed', { delivery: delivery.id, attempt: delivery.attempts, error: result.error });
    return failed(delivery, result.error);
  }

  function failed(delivery: StoredDelivery, error: string): DeliveryOutcome {
    if (delivery.attempts >= maxAttempts) return { state: 'dead', error };
    return { state: 'pending', nextAttemptAt: now() + retryDelay(delivery.attempts, firstDelayMs, maxDelayMs), error };
  }

  function notConfigured(delivery: StoredDelivery): DeliveryOutcome {
    // Another node (mid rolling deploy) may still know this endpoint: back off rather than drop it.
    logger.warn('webhooks: delivery for an endpoint this node does not know', { delivery: delivery.id });
    return failed(delivery, `endpoint ${delivery.endpoint} is not configured on this node`);
  }

  async function queue(deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await store.enqueueDeliveries(deliveries, now());
    if (!closed) void pump();
  }

  const timer = setInterval(() => void pump(), pollIntervalMs);
  timer.unref();
  queueMicrotask(() => void pump());

  return {
    async enqueue(events) {
      const ts = now();
      const deliveries: NewDelivery[] = [];
      for (const event of events) {
        for (const endpoint of endpoints.values()) {
          if (!wants(endpoint, event.kind)) continue;
          deliveries.push({
            id: `${endpoint.name}:${event.id}`,
            endpoint: endpoint.name,
            eventId: event.id,
            conversationId: event.conversationId,
            payload: null,
            nextAttemptAt: ts,
            createdAt: ts,
          });
        }
      }
      await queue(deliveries);
    },
    async notice(notice) {
      const ts = now();
      const body = { id: notice.id, type: notice.type, createdAt: ts, ...(notice.conversationId !== undefined ? { conversationId: notice.conversationId } : {}), data: notice.data };
      const payload = JSON.stringify(body);
      const deliveries = [...endpoints.values()]
        .filter((endpoint) => wants(endpoint, notice.type))
        .map((endpoint) => ({ id: `${endpoint.name}:${notice.id}`, endpoint: endpoint.name, eventId: notice.id, conversationId: null, payload, nextAttemptAt: ts, createdAt: ts }));
      await queue(deliveries);
    },
    list(filter) {
      return store.listDeliveries({ ...filter, limit: Math.min(Math.max(filter.limit ?? 100, 1), 1000) });
    },
    async replay(filter) {
      const count = await store.replayDeliveries(filter, now());
      if (count > 0 && !closed) void pump();
      return count;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      // A pump under way may still start the attempts it claimed: wait for it, then for them.
      await pumping;
      await Promise.allSettled([...inFlight]);
    },
  };
}
