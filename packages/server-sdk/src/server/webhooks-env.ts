import type { WebhookOptions } from './webhooks.js';

/** The reference server's webhook settings, as its `--help` lists them. */
export const WEBHOOK_ENV_HELP = `  PARLEY_WEBHOOK_URL           POST every stored event to this URL (signed; see docs/webhooks.md)
  PARLEY_WEBHOOK_SECRET        its HMAC-SHA256 secret; comma-separated during a rotation (the first signs)
  PARLEY_WEBHOOK_EVENTS        comma-separated event types to send (default all)
  PARLEY_WEBHOOK_MAX_ATTEMPTS, PARLEY_WEBHOOK_RETRY_MS, PARLEY_WEBHOOK_MAX_RETRY_MS, PARLEY_WEBHOOK_TIMEOUT_MS,
  PARLEY_WEBHOOK_LEASE_MS, PARLEY_WEBHOOK_POLL_MS   retry and claim timing (defaults 10, 1 s, 1 h, 10 s, timeout + 30 s, 1 s)
`;

const NUMBERS = {
  PARLEY_WEBHOOK_MAX_ATTEMPTS: 'maxAttempts',
  PARLEY_WEBHOOK_TIMEOUT_MS: 'timeoutMs',
  PARLEY_WEBHOOK_LEASE_MS: 'leaseMs',
  PARLEY_WEBHOOK_POLL_MS: 'pollIntervalMs',
} as const;

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/**
 * The `webhooks` option of `createChatServer` from the environment: one endpoint named `default`,
 * or undefined without `PARLEY_WEBHOOK_URL`. Refuses a URL without a secret: unsigned webhooks
 * could be forged by anyone who learns the receiver's address.
 */
export function webhookOptionsFromEnv(env: NodeJS.ProcessEnv): WebhookOptions | undefined {
  const url = env.PARLEY_WEBHOOK_URL?.trim();
  if (!url) return undefined;
  if (!/^https?:\/\//.test(url)) throw new Error('PARLEY_WEBHOOK_URL must be an http(s) URL');
  const secrets = (env.PARLEY_WEBHOOK_SECRET ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (secrets.length === 0) throw new Error('PARLEY_WEBHOOK_URL needs PARLEY_WEBHOOK_SECRET');
  const events = env.PARLEY_WEBHOOK_EVENTS?.split(',').map((e) => e.trim()).filter(Boolean);
  const options: { -readonly [K in keyof WebhookOptions]: WebhookOptions[K] } = {
    endpoints: [{ name: 'default', url, secret: secrets, ...(events && events.length > 0 ? { events } : {}) }],
  };
  for (const [name, key] of Object.entries(NUMBERS)) {
    const value = positive(env, name);
    if (value !== undefined) options[key] = value;
  }
  const firstDelayMs = positive(env, 'PARLEY_WEBHOOK_RETRY_MS');
  const maxDelayMs = positive(env, 'PARLEY_WEBHOOK_MAX_RETRY_MS');
  if (firstDelayMs !== undefined || maxDelayMs !== undefined) {
    options.retry = { ...(firstDelayMs !== undefined ? { firstDelayMs } : {}), ...(maxDelayMs !== undefined ? { maxDelayMs } : {}) };
  }
  return options;
}
