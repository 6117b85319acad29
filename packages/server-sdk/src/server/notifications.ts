import type { LogEvent } from '@parley/protocol';
import type { StoredNotification } from '../store/types.js';
import type { ServerContext } from './context.js';
import type { DurableEventQueue } from './stored-events.js';
import { retryDelay } from './webhooks-attempt.js';
import { buildNotification, type ParleyNotification } from './notification-content.js';
import { isMuted, notificationItemsOf, notifyLevelOf } from './notification-recipients.js';
import { createWebPushChannel, type WebPushChannel, type WebPushOptions } from './notification-web-push.js';

/**
 * Notifications of messages to people who are away: durable (queued in the store before each
 * message's ACK), collapsed per user and conversation, sent by one node of a cluster, at least
 * once. See docs/notifications.md.
 */
export interface NotificationOptions {
  /**
   * How long a user with a live connection (online or away on any node) has to receive a message
   * before they are notified of it (default 10 000 ms): a device that received or read it by then
   * cancels the notification. A user with no connection is notified at once.
   */
  delayMs?: number;
  /** Put the message's text in the notification (default false: who and where only). */
  previews?: boolean;
  /** Send through Web Push to each browser that registered a subscription. */
  webPush?: WebPushOptions;
  /**
   * Your own channel (FCM, APNs, email, SMS): called once per notification per attempt, with the
   * same durability and collapsing; a throw (or a hang past `timeoutMs`) is retried with backoff.
   * Use `notification.id` to drop repeats (delivery is at least once).
   */
  notify?: (notification: ParleyNotification) => Promise<void>;
  /** Attempts before a notification is given up (default 10). */
  maxAttempts?: number;
  /** Exponential backoff with full jitter between attempts (defaults 1 s, 10 min). */
  backoff?: { firstDelayMs?: number; maxDelayMs?: number };
  /** Per channel attempt (default 10 s). */
  timeoutMs?: number;
  /** Claim lease (default timeoutMs + 30 s): a node killed mid-send is covered by another once it runs out. */
  leaseMs?: number;
  /** How often a node looks for due notifications (default 1 s). */
  pollIntervalMs?: number;
  /** Notifications in flight per node (default 16). */
  concurrency?: number;
}

/** The server's notifications: the enqueue step every stored message passes, and the sender. */
export interface Notifications extends DurableEventQueue {
  /** Web Push, when configured: its VAPID public key is what browsers subscribe with. */
  readonly webPush: WebPushChannel | null;
  /** Stops polling and waits for attempts in flight (a notification cut stays claimed until its lease runs out). */
  close(): Promise<void>;
}

/** How one claimed notification ended. */
type Outcome = 'sent' | 'cancelled' | 'muted' | 'unwanted' | 'dropped' | 'failed' | 'retry';

/**
 * Creates the notifications of a server: `storedEvents` queues through it, before every ACK, one
 * item per recipient of each message; its dispatcher claims due rows from the store, checks them
 * again (still a member, not read or received since, not muted) and sends one collapsed
 * notification per row through each channel.
 */
export function createNotifications(ctx: ServerContext, options: NotificationOptions): Notifications {
  const { store, logger, metrics } = ctx;
  if (!options.webPush && !options.notify) throw new TypeError('notifications: configure `webPush`, `notify` or both');
  const webPush = options.webPush ? createWebPushChannel(options.webPush) : null;
  const delayMs = Math.max(0, options.delayMs ?? 10_000);
  const previews = options.previews ?? false;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 10);
  const firstDelayMs = options.backoff?.firstDelayMs ?? 1000;
  const maxDelayMs = options.backoff?.maxDelayMs ?? 10 * 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? timeoutMs + 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const now = () => ctx.now();

  const inFlight = new Set<Promise<void>>();
  let closed = false;
  let pumping: Promise<void> | null = null;
  let pumpAgain = false;

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
        const claimed = await store.claimDueNotifications(now(), room, leaseMs);
        for (const row of claimed) track(attempt(row));
        if (claimed.length === room) pumpAgain = true;
      } while (pumpAgain && !closed && inFlight.size < concurrency);
    } catch (err) {
      metrics.notificationQueueErrors.inc();
      logger.warn('notifications: the queue could not be read; retrying at the next poll', { err });
    }
  }

  function track(p: Promise<void>): void {
    inFlight.add(p);
    void p.finally(() => {
      inFlight.delete(p);
      if (!closed) void pump();
    });
  }

  async function attempt(row: StoredNotification): Promise<void> {
    try {
      const outcome = await deliver(row);
      metrics.notifications.inc({ outcome });
    } catch (err) {
      // A store error: the lease runs out and the row is claimed again (at least once).
      metrics.notificationQueueErrors.inc();
      logger.warn('notifications: a notification could not be settled; it is retried when its lease runs out', { user: row.userId, conversation: row.conversationId, err });
    }
  }

  /** Whether the claim still counts: a false settle means another node holds the row now. */
  function settled(ok: boolean, row: StoredNotification): void {
    if (!ok) logger.warn('notifications: lease ran out before the attempt ended; another node owns it now', { user: row.userId, conversation: row.conversationId });
  }

  async function deliver(row: StoredNotification): Promise<Outcome> {
    const token = row.claimToken ?? '';
    const done = async (outcome: Outcome): Promise<Outcome> => {
      settled(await store.completeNotification(row.id, token, row.lastSeq), row);
      return outcome;
    };
    const [member, conversation] = await Promise.all([store.getMember(row.conversationId, row.userId), store.getConversation(row.conversationId)]);
    if (!member || !conversation) {
      settled(await store.dropNotification(row.id, token), row);
      return 'dropped';
    }
    // Read or received on any device since it was queued: nothing to tell.
    if (member.readSeq >= row.lastSeq || member.deliveredSeq >= row.lastSeq) return done('cancelled');
    if (isMuted(member, now())) return done('muted');
    const level = notifyLevelOf(member, (await store.getUserSettings([row.userId])).get(row.userId));
    if (level === 'none' || (level === 'mentions' && !row.mentioned)) return done('unwanted');
    const notification = await buildNotification(ctx, { row, member, conversation, previews, now: now() });
    const errors = (await Promise.all([pushAll(notification), callHook(notification)])).flat();
    if (errors.length === 0) return done('sent');
    if (row.attempts >= maxAttempts) {
      logger.error('notifications: giving up on a notification after its last attempt', { user: row.userId, conversation: row.conversationId, attempts: row.attempts, errors });
      return done('failed');
    }
    logger.info('notifications: attempt failed; retrying', { user: row.userId, conversation: row.conversationId, attempt: row.attempts, errors });
    settled(await store.retryNotification(row.id, token, now() + retryDelay(row.attempts, firstDelayMs, maxDelayMs), errors.join('; ')), row);
    return 'retry';
  }

  /** Web Push to each of the user's subscriptions; returns the failures worth another attempt. */
  async function pushAll(notification: ParleyNotification): Promise<string[]> {
    if (!webPush) return [];
    const subscriptions = (await store.listPushSubscriptions(notification.userId)).filter((s) => allowed(webPush, s.endpoint));
    const outcomes = await Promise.all(subscriptions.map(async (subscription) => ({ subscription, outcome: await webPush.send(subscription, notification, timeoutMs) })));
    const errors: string[] = [];
    for (const { subscription, outcome } of outcomes) {
      if (outcome.ok) {
        metrics.notificationPushes.inc({ channel: 'web-push', outcome: 'sent' });
      } else if (outcome.gone) {
        metrics.notificationPushes.inc({ channel: 'web-push', outcome: 'gone' });
        await store.removePushSubscription({ endpoint: subscription.endpoint });
        logger.info('notifications: the push service forgot a subscription; removed', { user: subscription.userId, device: subscription.deviceId });
      } else {
        metrics.notificationPushes.inc({ channel: 'web-push', outcome: 'failed' });
        if (outcome.retry) errors.push(`web push to device ${subscription.deviceId}: ${outcome.error}`);
        else logger.warn('notifications: a push was refused; not retrying it', { user: subscription.userId, device: subscription.deviceId, error: outcome.error });
      }
    }
    return errors;
  }

  /** The app's own channel; returns its failure, if any. */
  async function callHook(notification: ParleyNotification): Promise<string[]> {
    if (!options.notify) return [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        options.notify(structuredClone(notification)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      metrics.notificationPushes.inc({ channel: 'notify', outcome: 'sent' });
      return [];
    } catch (err) {
      metrics.notificationPushes.inc({ channel: 'notify', outcome: 'failed' });
      return [`notify hook: ${err instanceof Error ? err.message : String(err)}`];
    } finally {
      clearTimeout(timer);
    }
  }

  const timer = setInterval(() => void pump(), pollIntervalMs);
  timer.unref();
  queueMicrotask(() => void pump());

  return {
    webPush,
    async enqueue(events: readonly LogEvent[]) {
      const at = now();
      const items = (await Promise.all(events.map((event) => notificationItemsOf(ctx, event, delayMs, at)))).flat();
      if (items.length === 0) return;
      await store.enqueueNotifications(items, at);
      if (!closed && items.some((item) => item.dueAt <= at)) void pump();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await pumping;
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Whether a stored subscription's endpoint may be POSTed to (the rule may have tightened since it was saved). */
function allowed(webPush: WebPushChannel, endpoint: string): boolean {
  try {
    return webPush.allowEndpoint(new URL(endpoint));
  } catch {
    return false;
  }
}
