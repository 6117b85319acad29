import { describe, expect, it } from 'vitest';
import { notificationOptionsFromEnv } from './notifications-env.js';

const keys = { PARLEY_VAPID_PUBLIC_KEY: 'pub', PARLEY_VAPID_PRIVATE_KEY: 'priv', PARLEY_VAPID_SUBJECT: 'mailto:ops@example.com' };

describe('parley-server: notifications from the environment', () => {
  it('is off without VAPID keys, and refuses half a configuration', () => {
    expect(notificationOptionsFromEnv({})).toBeUndefined();
    expect(() => notificationOptionsFromEnv({ PARLEY_VAPID_PUBLIC_KEY: 'pub' })).toThrow(/both/);
    expect(() => notificationOptionsFromEnv({ ...keys, PARLEY_VAPID_SUBJECT: '' })).toThrow(/PARLEY_VAPID_SUBJECT/);
    expect(() => notificationOptionsFromEnv({ ...keys, PARLEY_NOTIFY_MAX_ATTEMPTS: '0' })).toThrow(/PARLEY_NOTIFY_MAX_ATTEMPTS/);
    expect(() => notificationOptionsFromEnv({ ...keys, PARLEY_PUSH_ENDPOINTS: 'not a url' })).toThrow(/PARLEY_PUSH_ENDPOINTS/);
  });

  it('turns Web Push on with the keys, the timing and the extra push services it names', () => {
    const options = notificationOptionsFromEnv({
      ...keys,
      PARLEY_NOTIFY_DELAY_MS: '0',
      PARLEY_NOTIFY_PREVIEWS: '1',
      PARLEY_NOTIFY_TTL_S: '60',
      PARLEY_NOTIFY_RETRY_MS: '100',
      PARLEY_NOTIFY_LEASE_MS: '3000',
      PARLEY_PUSH_ENDPOINTS: 'https://push.example.org/up, http://127.0.0.1:8090',
    })!;
    expect(options).toMatchObject({
      delayMs: 0,
      previews: true,
      leaseMs: 3000,
      backoff: { firstDelayMs: 100 },
      webPush: { vapid: { subject: 'mailto:ops@example.com', publicKey: 'pub', privateKey: 'priv' }, ttlSeconds: 60 },
    });
    const allow = options.webPush!.allowEndpoint!;
    expect(allow(new URL('https://push.example.org/anything'))).toBe(true);
    expect(allow(new URL('http://127.0.0.1:8090/push/x'))).toBe(true);
    expect(allow(new URL('https://fcm.googleapis.com/fcm/send/x'))).toBe(true);
    expect(allow(new URL('http://127.0.0.1:8091/push/x'))).toBe(false);
    expect(notificationOptionsFromEnv(keys)!.webPush!.allowEndpoint).toBeUndefined();
  });
});
