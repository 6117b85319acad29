import webPush from 'web-push';
import type { ChatServerOptions, NotificationOptions, ParleyNotification } from '@parley/server-sdk';
import { startPushService, type PushService } from './push-service.js';
import type { TestServer } from './test-server.js';
import type { testScope } from './scope.js';

/** A VAPID key pair made for one test run, as an operator makes theirs once. */
export const VAPID = { subject: 'mailto:ops@parley.test', ...webPush.generateVAPIDKeys() };

/** Names from a users directory, so notifications say "Alice" rather than "alice". */
export const USERS: ChatServerOptions['users'] = {
  resolve: async (ids) => ids.map((id) => ({ id, name: id.charAt(0).toUpperCase() + id.slice(1) })),
};

/** Test-sized timing: claims looked for every 20 ms, retries within a fraction of a second. */
export function notificationOptions(push: PushService | null, options: Partial<NotificationOptions> = {}): NotificationOptions {
  return {
    delayMs: 0,
    pollIntervalMs: 20,
    backoff: { firstDelayMs: 50, maxDelayMs: 200 },
    timeoutMs: 5_000,
    leaseMs: 10_000,
    // The test's push service is plain HTTP on loopback, which the default rule refuses.
    ...(push ? { webPush: { vapid: VAPID, allowEndpoint: (url: URL) => url.origin === push.url } } : {}),
    ...options,
  };
}

/** A push service and a server that pushes to it; `register` subscribes a device of a user there. */
export async function pushSetup(
  scope: ReturnType<typeof testScope>,
  options: Partial<NotificationOptions> = {},
  serverOptions: Parameters<ReturnType<typeof testScope>['server']>[0] = {},
): Promise<{ server: TestServer; push: PushService; register(userId: string, deviceId?: string): Promise<string> }> {
  const push = scope.adopt(await startPushService(VAPID.publicKey));
  const server = await scope.server({ users: USERS, ...serverOptions, notifications: notificationOptions(push, options) });
  return {
    server,
    push,
    async register(userId, deviceId = `${userId}-phone`) {
      await server.chat.notifications!.registerPush(userId, deviceId, push.subscribe(deviceId));
      return deviceId;
    },
  };
}

/** Notifications a push service accepted for a device, in order. */
export const pushedTo = (push: PushService, deviceId: string): ParleyNotification[] => push.delivered(deviceId);
