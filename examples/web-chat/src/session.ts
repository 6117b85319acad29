import { createChatClient, type ChatClient } from '@parley/client-sdk';
import { createIndexedDbStorage } from '@parley/client-sdk/indexeddb';

const USER_KEY = 'parley-web-chat:user';

/** The name signed in on this browser, kept across reloads. */
export const savedUser = {
  get: (): string | null => localStorage.getItem(USER_KEY),
  set: (userId: string) => localStorage.setItem(USER_KEY, userId),
  clear: () => localStorage.removeItem(USER_KEY),
};

/**
 * DEVELOPMENT AUTH: the reference server (`parley-server --dev`) signs a token for any name.
 * A real app asks its own backend, which signs a JWT for the user it authenticated.
 */
export async function fetchDevToken(userId: string): Promise<string> {
  const res = await fetch('/api/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  const body = (await res.json()) as { token?: string; error?: string };
  if (!res.ok || !body.token) throw new Error(body.error ?? `sign-in failed (${res.status})`);
  return body.token;
}

/**
 * One client per signed-in user, on this page's origin (parley-server serves the app and the
 * socket). IndexedDB keeps the outbox and the history cache, so messages written offline
 * survive a reload and the last conversations show before the network answers.
 */
export function createWebChatClient(userId: string): ChatClient {
  return createChatClient({
    url: window.location.origin,
    getToken: () => fetchDevToken(userId),
    storage: createIndexedDbStorage({ dbName: `parley-web-chat:${userId}` }),
    autoConnect: false,
  });
}
