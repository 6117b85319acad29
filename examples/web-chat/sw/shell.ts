import manifest from 'virtual:precache-manifest';

declare const self: ServiceWorkerGlobalScope;

/**
 * The offline app shell: this version's files in a cache of their own, kept at install, so that a
 * reload without a network still opens the app (which then shows what the client SDK keeps in
 * IndexedDB: conversations, messages, the outbox).
 */
const CACHE_PREFIX = 'parley-web-chat-shell-';
const cacheName = `${CACHE_PREFIX}${manifest.version}`;
/** How long a navigation waits for the network before the cached shell answers (a network that hangs). */
const NAVIGATION_TIMEOUT_MS = 4_000;

/**
 * Never answered by the worker, nor cached: the API (and the development token route under it),
 * the socket, and files (`/blobs` URLs are signed and short-lived).
 */
const NETWORK_ONLY = ['api', 'parley/socket.io', 'blobs'];

const inScope = (file: string) => new URL(file, self.registration.scope).href;
const shellUrl = () => inScope('index.html');

/** Install: every file of this version, from the server (not the HTTP cache, which may hold another version's). */
export async function precache(): Promise<void> {
  const cache = await caches.open(cacheName);
  await cache.addAll(manifest.files.map((file) => new Request(inScope(file), { cache: 'reload' })));
}

/** Activate: the caches of earlier versions go. */
export async function dropOldVersions(): Promise<void> {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== cacheName).map((name) => caches.delete(name)));
}

/** The fetch handler: navigations network-first with the shell as fallback, this version's files cache-first. */
export function answerFetch(event: FetchEvent): void {
  const { request } = event;
  if (request.method !== 'GET') return;
  const path = pathInScope(request.url);
  if (path === null || NETWORK_ONLY.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request));
  } else if (manifest.files.includes(path)) {
    event.respondWith(cacheFirst(request));
  }
}

/** The path under the worker's scope (`assets/index-….js`), or null for another origin or outside the scope. */
function pathInScope(url: string): string | null {
  const scope = new URL(self.registration.scope);
  const target = new URL(url);
  if (target.origin !== scope.origin || !target.pathname.startsWith(scope.pathname)) return null;
  return target.pathname.slice(scope.pathname.length);
}

async function networkFirst(request: Request): Promise<Response> {
  const network = fetch(request);
  const shell = await Promise.race([
    network.then(
      () => null,
      () => cachedShell(),
    ),
    timeout(NAVIGATION_TIMEOUT_MS).then(() => cachedShell()),
  ]);
  // The network's answer (whatever its status) unless it failed or hangs and the shell is kept.
  return shell ?? network;
}

async function cachedShell(): Promise<Response | null> {
  const cache = await caches.open(cacheName);
  return (await cache.match(shellUrl())) ?? null;
}

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(cacheName);
  return (await cache.match(request)) ?? fetch(request);
}

const timeout = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
