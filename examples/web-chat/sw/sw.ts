import { answerFetch, dropOldVersions, precache } from './shell.js';
import { showPush } from './push.js';
import { conversationOf, noteView, openConversation } from './windows.js';

/**
 * The web chat's service worker (built to `/sw.js` by `service-worker-plugin.ts`, scope: the app):
 * the offline app shell, and notifications from Web Push. docs/notifications.md, "The web chat".
 */
declare const self: ServiceWorkerGlobalScope;

// A new version takes over at once: the pages of the old one have all their code already.
self.addEventListener('install', (event) => event.waitUntil(precache().then(() => self.skipWaiting())));
self.addEventListener('activate', (event) => event.waitUntil(dropOldVersions().then(() => self.clients.claim())));
self.addEventListener('fetch', answerFetch);

self.addEventListener('push', (event) => event.waitUntil(showPush(event.data)));
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openConversation(conversationOf(event.notification)));
});
self.addEventListener('message', (event) => event.waitUntil(noteView(event)));
