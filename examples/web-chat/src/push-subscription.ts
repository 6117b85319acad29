import type { ChatClient } from '@parley/client-sdk';

/**
 * This device's Web Push subscription: the browser's `PushManager` on one side, the server's copy
 * (`chat.registerPush`) on the other. The service worker (`sw/push.ts`) shows what arrives.
 */

/**
 * Whether this browser can get notifications from the app: a built app with its service worker,
 * a secure context (HTTPS or localhost), and the Push and Notification APIs.
 */
export function pushSupported(): boolean {
  return (
    Boolean(import.meta.env.SERVICE_WORKER) &&
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window
  );
}

/** The subscription this browser holds for the app, if it was made with this server's key. */
export async function currentSubscription(vapidPublicKey: string): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  return subscription && madeWith(subscription, vapidPublicKey) ? subscription : null;
}

/**
 * Asks for the permission (the browser's prompt), subscribes with the server's key and registers
 * the subscription for this device. `blocked`: the user (or the browser's settings) said no.
 */
export async function enablePush(chat: ChatClient, vapidPublicKey: string): Promise<'on' | 'blocked'> {
  if ((await Notification.requestPermission()) !== 'granted') return 'blocked';
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made with another key (the server's pair changed) cannot be used: a new one can.
  if (subscription && !madeWith(subscription, vapidPublicKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: vapidPublicKey });
  await chat.registerPush(subscription.toJSON());
  return 'on';
}

/**
 * Ends this device's subscription, if it has one: the browser's first (no push reaches this
 * device after it), then the server's copy. Offline, the server keeps its copy until its next push
 * there, which the push service answers "gone" (410): the server drops it then.
 */
export async function disablePush(chat: ChatClient): Promise<void> {
  // getRegistration, not `ready`: with no worker registered there is no subscription either.
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  await subscription.unsubscribe();
  await chat.unregisterPush().catch((err: unknown) => console.warn("the server keeps this device's subscription until its next push", err));
}

/** Whether the subscription was made with this VAPID public key (base64url, as the server gives it). */
function madeWith(subscription: PushSubscription, vapidPublicKey: string): boolean {
  const key = subscription.options.applicationServerKey;
  if (!key) return false;
  const bytes = new Uint8Array(key);
  const expected = base64UrlBytes(vapidPublicKey);
  return bytes.length === expected.length && bytes.every((byte, i) => byte === expected[i]);
}

function base64UrlBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
