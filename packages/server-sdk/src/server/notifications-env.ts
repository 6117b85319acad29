import type { NotificationOptions } from './notifications.js';
import { isKnownPushService } from './notification-web-push.js';

/** The reference server's notification settings, as its `--help` lists them. */
export const NOTIFICATION_ENV_HELP = `  PARLEY_VAPID_PUBLIC_KEY, PARLEY_VAPID_PRIVATE_KEY   turn Web Push on with these VAPID keys
                               (make a pair once: npx web-push generate-vapid-keys; see docs/notifications.md)
  PARLEY_VAPID_SUBJECT         how push services reach you: mailto:you@example.com or an https: URL (required with the keys)
  PARLEY_NOTIFY_DELAY_MS       how long a connected user has to receive a message before being notified (default 10000)
  PARLEY_NOTIFY_PREVIEWS       1: put message text in notifications (default: who and where only)
  PARLEY_NOTIFY_TTL_S          how long a push service keeps a push for an offline device, in seconds (default 86400)
  PARLEY_PUSH_ENDPOINTS        comma-separated origins of push services to allow besides the browsers' own (a UnifiedPush server)
  PARLEY_NOTIFY_MAX_ATTEMPTS, PARLEY_NOTIFY_RETRY_MS, PARLEY_NOTIFY_MAX_RETRY_MS, PARLEY_NOTIFY_TIMEOUT_MS,
  PARLEY_NOTIFY_LEASE_MS, PARLEY_NOTIFY_POLL_MS   retry and claim timing (defaults 10, 1 s, 10 min, 10 s, timeout + 30 s, 1 s)
`;

const NUMBERS = {
  PARLEY_NOTIFY_MAX_ATTEMPTS: 'maxAttempts',
  PARLEY_NOTIFY_TIMEOUT_MS: 'timeoutMs',
  PARLEY_NOTIFY_LEASE_MS: 'leaseMs',
  PARLEY_NOTIFY_POLL_MS: 'pollIntervalMs',
} as const;

function integer(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
}

/**
 * The `notifications` option of `createChatServer` from the environment: Web Push when the VAPID
 * keys are set, else undefined (the reference server has no other channel). Half a key pair, or
 * keys without a subject, is refused: a server that looks configured but never pushes is worse.
 */
export function notificationOptionsFromEnv(env: NodeJS.ProcessEnv): NotificationOptions | undefined {
  const publicKey = env.PARLEY_VAPID_PUBLIC_KEY?.trim();
  const privateKey = env.PARLEY_VAPID_PRIVATE_KEY?.trim();
  if (!publicKey && !privateKey) return undefined;
  if (!publicKey || !privateKey) throw new Error('Web Push needs both PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY');
  const subject = env.PARLEY_VAPID_SUBJECT?.trim();
  if (!subject) throw new Error('PARLEY_VAPID_SUBJECT is required with the VAPID keys (mailto:you@example.com or an https: URL)');
  const origins = (env.PARLEY_PUSH_ENDPOINTS ?? '').split(',').map((o) => o.trim()).filter(Boolean).map((o) => {
    try {
      return new URL(o).origin;
    } catch {
      throw new Error(`PARLEY_PUSH_ENDPOINTS: ${o} is not a URL`);
    }
  });
  const ttl = integer(env, 'PARLEY_NOTIFY_TTL_S', 0);
  const options: { -readonly [K in keyof NotificationOptions]: NotificationOptions[K] } = {
    webPush: {
      vapid: { subject, publicKey, privateKey },
      ...(ttl !== undefined ? { ttlSeconds: ttl } : {}),
      ...(origins.length > 0 ? { allowEndpoint: (url: URL) => isKnownPushService(url) || origins.includes(url.origin) } : {}),
    },
  };
  const delayMs = integer(env, 'PARLEY_NOTIFY_DELAY_MS', 0);
  if (delayMs !== undefined) options.delayMs = delayMs;
  if (env.PARLEY_NOTIFY_PREVIEWS) options.previews = env.PARLEY_NOTIFY_PREVIEWS === '1' || env.PARLEY_NOTIFY_PREVIEWS === 'true';
  for (const [name, key] of Object.entries(NUMBERS)) {
    const value = integer(env, name, 1);
    if (value !== undefined) options[key] = value;
  }
  const firstDelayMs = integer(env, 'PARLEY_NOTIFY_RETRY_MS', 1);
  const maxDelayMs = integer(env, 'PARLEY_NOTIFY_MAX_RETRY_MS', 1);
  if (firstDelayMs !== undefined || maxDelayMs !== undefined) {
    options.backoff = { ...(firstDelayMs !== undefined ? { firstDelayMs } : {}), ...(maxDelayMs !== undefined ? { maxDelayMs } : {}) };
  }
  return options;
}
