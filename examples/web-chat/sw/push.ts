import { closeNotificationsOf, isOnScreen } from './windows.js';

declare const self: ServiceWorkerGlobalScope;

/**
 * The fields of a Parley notification this worker uses (docs/notifications.md, "What a
 * notification holds"): the server sends the whole object as the push's JSON payload.
 */
export interface PushPayload {
  id: string;
  tag: string;
  conversationId: string;
  title: string;
  body: string;
  seq: number | null;
  badge: number | null;
  createdAt: number | null;
}

/** `NotificationOptions` with the fields TypeScript's library leaves out (Chromium and Firefox read them). */
interface ShownNotificationOptions extends NotificationOptions {
  renotify?: boolean;
  timestamp?: number;
}

/** The notification data a click reads. */
export interface NotificationData {
  conversationId: string;
  seq: number | null;
  id: string;
}

/**
 * A push: the badge follows the unread count; a notification shows unless a window of the app is
 * visible on that conversation. One per conversation (`tag`): a newer one replaces the shown one,
 * and alerts again unless it is a repeat of the same (`id`: the server's retry).
 */
export async function showPush(data: PushMessageData | null): Promise<void> {
  const payload = readPayload(data);
  if (!payload) {
    // Unreadable (another sender, a newer server): still say something rather than nothing.
    await self.registration.showNotification('Parley chat', { body: 'You have new messages.', tag: 'parley:unreadable' });
    return;
  }
  if (payload.badge !== null) await setBadge(payload.badge);
  if (await isOnScreen(payload.conversationId)) {
    await closeNotificationsOf(payload.conversationId);
    return;
  }
  const shown = await self.registration.getNotifications({ tag: payload.tag });
  const repeat = shown.some((notification) => (notification.data as Partial<NotificationData> | null)?.id === payload.id);
  const options: ShownNotificationOptions = {
    body: payload.body,
    tag: payload.tag,
    renotify: !repeat,
    data: { conversationId: payload.conversationId, seq: payload.seq, id: payload.id } satisfies NotificationData,
    ...(payload.createdAt !== null ? { timestamp: payload.createdAt } : {}),
  };
  await self.registration.showNotification(payload.title, options);
}

/** The payload, or null when it is not a Parley notification. */
export function readPayload(data: PushMessageData | null): PushPayload | null {
  let value: unknown;
  try {
    value = data?.json();
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const field = (name: string): unknown => (value as Record<string, unknown>)[name];
  const text = (name: string) => (typeof field(name) === 'string' && field(name) !== '' ? (field(name) as string) : null);
  const count = (name: string) => (Number.isSafeInteger(field(name)) && (field(name) as number) >= 0 ? (field(name) as number) : null);
  const [id, tag, conversationId, title] = [text('id'), text('tag'), text('conversationId'), text('title')];
  if (!id || !tag || !conversationId || !title) return null;
  return { id, tag, conversationId, title, body: text('body') ?? '', seq: count('seq'), badge: count('badge'), createdAt: count('createdAt') };
}

/** The app icon's badge, where the browser has one (an installed app in Chromium, Safari). */
async function setBadge(unread: number): Promise<void> {
  if (!('setAppBadge' in self.navigator)) return;
  try {
    await (unread > 0 ? self.navigator.setAppBadge(unread) : self.navigator.clearAppBadge());
  } catch {
    // Refused where the app is not installed: the badge is a nicety, the notification is not.
  }
}
