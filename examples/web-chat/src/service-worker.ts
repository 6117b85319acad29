import { conversationHash } from './routes.js';
import { isOpenConversation, isViewQuery, type ViewReport } from './sw-messages.js';

/** The conversation this page shows (null: the list or the sign-in screen), for the worker's quiet rule. */
let shownConversation: string | null = null;

/**
 * Registers the service worker (`sw/sw.ts`, built to `/sw.js`: the offline shell and notifications)
 * and keeps it told what this page shows, so it stays quiet about a conversation the user is
 * reading. Only in a build (`service-worker-plugin.ts`): `npm run dev` has no worker. Browsers run service workers on HTTPS
 * and on localhost only; elsewhere the app simply runs without one.
 */
export function startServiceWorker(): void {
  const worker = import.meta.env.SERVICE_WORKER;
  if (!worker || !('serviceWorker' in navigator)) return;
  const container = navigator.serviceWorker;
  const scope = import.meta.env.BASE_URL;
  container.register(`${scope}${worker}`, { scope }).catch((err: unknown) => console.warn('the service worker did not register', err));
  container.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isOpenConversation(event.data)) {
      // The app's route: ChatLayout follows the hash.
      window.location.hash = conversationHash(event.data.conversationId);
    } else if (isViewQuery(event.data)) {
      event.ports[0]?.postMessage(currentView());
    }
  });
  container.startMessages();
  document.addEventListener('visibilitychange', reportView);
  reportView();
}

/** Tells the worker which conversation this page now shows (`null`: none). */
export function showingConversation(conversationId: string | null): void {
  shownConversation = conversationId;
  reportView();
}

function currentView(): ViewReport {
  return { type: 'parley:view', conversationId: shownConversation, visible: document.visibilityState === 'visible' };
}

function reportView(): void {
  if (!import.meta.env.SERVICE_WORKER || !('serviceWorker' in navigator)) return;
  void navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage(currentView()));
}
