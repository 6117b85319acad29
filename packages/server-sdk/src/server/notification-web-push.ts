import type * as WebPush from 'web-push';
import { requirePeer } from '../optional-peer.js';
import type { StoredPushSubscription } from '../store/types.js';
import type { ParleyNotification } from './notification-content.js';
import { pushTopic } from './notification-content.js';

/** Web Push (RFC 8030/8291/8292) with your VAPID keys, through the `web-push` package (an optional peer dependency). */
export interface WebPushOptions {
  /**
   * Your VAPID key pair (`npx web-push generate-vapid-keys`, or `generateVAPIDKeys()` of the
   * `web-push` package), made once and kept: browsers subscribed with `publicKey` accept pushes
   * signed with `privateKey` only. `subject` is how push services reach you: `mailto:` or `https:`.
   */
  vapid: { subject: string; publicKey: string; privateKey: string };
  /** How long a push service keeps a push for an offline device, in seconds (default 86 400: a day). */
  ttlSeconds?: number;
  /**
   * Which subscription endpoints the server POSTs to. A browser names its push service's URL,
   * but any client could register any URL: by default only HTTPS endpoints of the push services
   * browsers use (FCM, Mozilla, Apple, Microsoft) are accepted. Widen it for your own push
   * service (e.g. UnifiedPush) with a check of your own.
   */
  allowEndpoint?: (url: URL) => boolean;
}

/** The push services of the major browsers: Chrome and Edge (FCM, WNS), Firefox, Safari. */
const KNOWN_PUSH_HOSTS = [/^fcm\.googleapis\.com$/, /^updates\.push\.services\.mozilla\.com$/, /(^|\.)push\.apple\.com$/, /(^|\.)notify\.windows\.com$/];

/** The default `allowEndpoint`: HTTPS on a known push service. */
export function isKnownPushService(url: URL): boolean {
  return url.protocol === 'https:' && KNOWN_PUSH_HOSTS.some((host) => host.test(url.hostname));
}

/** What one push to one subscription came to. */
export type PushOutcome =
  | { ok: true }
  /** The push service forgot the subscription (404, 410): remove it. */
  | { ok: false; gone: true; error: string }
  /** Worth another attempt (5xx, 429, a timeout, a network error) or not (another 4xx: a bad request never gets better). */
  | { ok: false; gone: false; retry: boolean; error: string };

/** The Web Push channel: encrypts and signs with `web-push`, POSTs with fetch. */
export interface WebPushChannel {
  readonly publicKey: string;
  allowEndpoint(url: URL): boolean;
  send(subscription: StoredPushSubscription, notification: ParleyNotification, timeoutMs: number): Promise<PushOutcome>;
}

/**
 * Checks the keys at once (a server with unusable keys refuses to start rather than fail every
 * push) and returns the channel. The `web-push` package is loaded here, only when configured.
 */
export function createWebPushChannel(options: WebPushOptions): WebPushChannel {
  const webPush = requirePeer<typeof WebPush>('web-push', 'Web Push notifications', '^3.6.0');
  const { subject, publicKey, privateKey } = options.vapid;
  // Throws on a bad subject or keys: the same checks every push makes.
  webPush.getVapidHeaders('https://push.example', subject, publicKey, privateKey, 'aes128gcm');
  const ttl = Math.max(0, Math.trunc(options.ttlSeconds ?? 86_400));
  const allowEndpoint = options.allowEndpoint ?? isKnownPushService;

  return {
    publicKey,
    allowEndpoint,
    async send(subscription, notification, timeoutMs) {
      let request: WebPush.RequestDetails;
      try {
        request = webPush.generateRequestDetails(
          { endpoint: subscription.endpoint, keys: subscription.keys },
          JSON.stringify(notification),
          {
            vapidDetails: { subject, publicKey, privateKey },
            TTL: ttl,
            contentEncoding: 'aes128gcm',
            urgency: notification.mentioned || notification.conversationKind === 'direct' ? 'high' : 'normal',
            topic: pushTopic(notification.conversationId),
          },
        );
      } catch (err) {
        // Keys the browser never made (a forged registration): nothing to retry.
        return { ok: false, gone: false, retry: false, error: `cannot encrypt for this subscription: ${err instanceof Error ? err.message : String(err)}` };
      }
      try {
        const res = await fetch(request.endpoint, {
          method: 'POST',
          headers: request.headers as Record<string, string>,
          ...(request.body ? { body: new Uint8Array(request.body) } : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 200 && res.status < 300) return { ok: true };
        const error = `push service answered HTTP ${res.status}`;
        if (res.status === 404 || res.status === 410) return { ok: false, gone: true, error };
        return { ok: false, gone: false, retry: res.status === 429 || res.status >= 500, error };
      } catch (err) {
        const name = err instanceof Error ? err.name : '';
        const error = name === 'TimeoutError' || name === 'AbortError' ? `timed out after ${timeoutMs} ms` : `network error: ${err instanceof Error ? err.message : String(err)}`;
        return { ok: false, gone: false, retry: true, error };
      }
    },
  };
}
