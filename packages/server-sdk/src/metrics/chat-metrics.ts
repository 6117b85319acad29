import { Counter, Gauge, Histogram, Registry } from './registry.js';
import { joinPromClientRegistry, type PromClientRegistry } from './prom-client-bridge.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const WEBHOOK_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SIZE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

export interface ChatMetricsOptions {
  /** Parley's own registry (`registry.render()` is the exposition); a new one by default. */
  registry?: Registry;
  /** Your app's prom-client registry: Parley's series join it, served by your `/metrics`. */
  promClientRegistry?: PromClientRegistry;
}

/**
 * Parley's server metrics. `createChatServer` makes one unless you pass yours (to share one
 * registry between several Parley servers, or to add your own metrics to the same endpoint).
 *
 * @example
 * import { collectDefaultMetrics, register } from 'prom-client';
 *
 * collectDefaultMetrics();
 * const metrics = createChatMetrics({ promClientRegistry: register });
 * const chat = createChatServer({ server, store, authenticate, metrics });
 * // your existing endpoint now serves parley_* next to your own series:
 * app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()));
 */
export function createChatMetrics(options: ChatMetricsOptions = {}) {
  const registry = options.registry ?? new Registry();
  const metrics = {
    registry,
    connections: registry.register(new Gauge('parley_connections', 'Open socket connections on this node.')),
    handshakes: registry.register(new Counter('parley_handshakes_total', 'Socket handshakes by result (ok or an error code name).')),
    frames: registry.register(new Counter('parley_frames_total', 'Inbound frames by type (invalid frames as "invalid").')),
    errors: registry.register(new Counter('parley_frame_errors_total', 'Frames answered with an error or nack, by code name.')),
    sends: registry.register(new Counter('parley_sends_total', 'SEND frames by outcome: stored, duplicate, rejected.')),
    ackLatency: registry.register(
      new Histogram('parley_ack_latency_seconds', 'From a SEND frame arriving to its ACK leaving (includes the durable write).', LATENCY_BUCKETS),
    ),
    fanout: registry.register(new Histogram('parley_fanout_recipients', 'Users a log event is pushed to.', SIZE_BUCKETS)),
    storeLatency: registry.register(
      new Histogram('parley_store_latency_seconds', 'Store calls by operation.', LATENCY_BUCKETS),
    ),
    storeErrors: registry.register(new Counter('parley_store_errors_total', 'Store calls that failed, by operation.')),
    rateLimited: registry.register(new Counter('parley_rate_limited_total', 'Requests refused by a rate limit, by limit.')),
    hookCalls: registry.register(new Counter('parley_hook_calls_total', 'Write hooks run, by hook and outcome: allowed, replaced, rejected, failed.')),
    redisErrors: registry.register(new Counter('parley_redis_errors_total', 'Errors reported by the Redis clients.')),
    webhookAttempts: registry.register(
      new Counter('parley_webhook_attempts_total', 'Webhook attempts by endpoint and outcome: delivered, status (non-2xx), timeout, network.'),
    ),
    webhookLatency: registry.register(new Histogram('parley_webhook_attempt_seconds', 'Webhook attempt duration by endpoint.', WEBHOOK_BUCKETS)),
    webhookDead: registry.register(new Counter('parley_webhook_dead_total', 'Webhook deliveries that ran out of attempts (dead letters), by endpoint.')),
    webhookQueueErrors: registry.register(new Counter('parley_webhook_queue_errors_total', 'Store errors while claiming or settling webhook deliveries.')),
    notifications: registry.register(
      new Counter('parley_notifications_total', 'Claimed notifications by outcome: sent, cancelled (read or received since), muted, unwanted (settings), dropped (not a member), retry, failed (out of attempts).'),
    ),
    notificationPushes: registry.register(new Counter('parley_notification_pushes_total', 'Notification sends by channel (web-push, notify) and outcome: sent, gone (subscription removed), failed.')),
    notificationQueueErrors: registry.register(new Counter('parley_notification_queue_errors_total', 'Store errors while claiming or settling notifications.')),
  };
  if (options.promClientRegistry) joinPromClientRegistry(options.promClientRegistry, registry);
  return metrics;
}

export type ChatMetrics = ReturnType<typeof createChatMetrics>;
