import { isViewReport, type OpenConversation, type ViewQuery, type ViewReport } from '../src/sw-messages.js';
import { conversationHash } from '../src/routes.js';

declare const self: ServiceWorkerGlobalScope;

/**
 * What each window of the app shows, as it last said (by client id). The browser stops an idle
 * worker and this goes with it: a window with no report here is asked (`view?`).
 */
const views = new Map<string, ViewReport>();
/** How long a window has to answer `view?`: one that does not is taken as showing nothing. */
const ANSWER_WITHIN_MS = 1_000;

/** A message from a page: keeps its view, and clears the notifications of the conversation it now shows. */
export async function noteView(event: ExtendableMessageEvent): Promise<void> {
  const { source, data } = event;
  if (!(source instanceof WindowClient) || !isViewReport(data)) return;
  views.set(source.id, data);
  if (data.visible && data.conversationId) await closeNotificationsOf(data.conversationId);
}

/** Whether a window of the app is visible and showing this conversation: then a notification would only interrupt. */
export async function isOnScreen(conversationId: string): Promise<boolean> {
  const windows = await appWindows();
  const shown = await Promise.all(
    windows.filter((w) => w.visibilityState === 'visible').map(async (w) => views.get(w.id) ?? (await ask(w))),
  );
  return shown.some((view) => view !== null && view.visible && view.conversationId === conversationId);
}

/**
 * A click on a notification: the window already showing the conversation, else the focused one,
 * else any, is brought forward and told to open it; with no window, a new one opens there.
 */
export async function openConversation(conversationId: string | null): Promise<void> {
  const windows = await appWindows();
  const target =
    windows.find((w) => conversationId !== null && views.get(w.id)?.conversationId === conversationId) ??
    windows.find((w) => w.focused) ??
    windows.find((w) => w.visibilityState === 'visible') ??
    windows[0];
  if (!target) {
    await self.clients.openWindow(new URL(conversationHash(conversationId), self.registration.scope).href);
    return;
  }
  if (conversationId !== null) target.postMessage({ type: 'parley:open', conversationId } satisfies OpenConversation);
  // Allowed only while handling the user's click; the window was told either way.
  await target.focus().catch(() => undefined);
}

export async function closeNotificationsOf(conversationId: string): Promise<void> {
  const shown = await self.registration.getNotifications();
  for (const notification of shown) {
    if (conversationOf(notification) === conversationId) notification.close();
  }
}

/** The conversation a notification of this worker is about (its `data`), or null. */
export function conversationOf(notification: Notification): string | null {
  const data: unknown = notification.data;
  if (typeof data !== 'object' || data === null || !('conversationId' in data)) return null;
  return typeof data.conversationId === 'string' ? data.conversationId : null;
}

/** The app's windows, open or closed since the last look (their reports go with them). */
async function appWindows(): Promise<readonly WindowClient[]> {
  // Uncontrolled too: a page loaded before this worker took over is still the app.
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = new Set(windows.map((w) => w.id));
  for (const id of views.keys()) if (!open.has(id)) views.delete(id);
  return windows;
}

function ask(client: WindowClient): Promise<ViewReport | null> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const done = (view: ViewReport | null) => {
      clearTimeout(timer);
      channel.port1.close();
      if (view) views.set(client.id, view);
      resolve(view);
    };
    const timer = setTimeout(() => done(null), ANSWER_WITHIN_MS);
    channel.port1.onmessage = (event) => done(isViewReport(event.data) ? event.data : null);
    client.postMessage({ type: 'parley:view?' } satisfies ViewQuery, [channel.port2]);
  });
}
