import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable } from './helpers/browser.js';
import { startChat } from '../web-chat/helpers/chat-page.js';
import { webChatSuite } from '../web-chat/helpers/suite.js';

// The example web chat's service worker (examples/web-chat/sw) keeps the app shell: a reload
// without a network opens the app, not the browser's offline page (issue 17).
const suite = browserAvailable() ? describe : describe.skip;
const eventually = { timeout: 20_000 };

/** The service worker's caches of the app shell (one per version). */
const shellCaches = (page: Page) => page.evaluate(async () => (await caches.keys()).filter((name) => name.startsWith('parley-web-chat-shell-')));
/** The hashed script the page's index.html loads: which version of the app it runs. */
const appScript = (page: Page) => page.evaluate(() => document.querySelector<HTMLScriptElement>('script[type="module"]')?.src ?? '');

/** The conversation a page of the web chat shows (its route, `#/c/<id>`). */
const openConversationId = (page: Page) => /^#\/c\/(.+)$/.exec(new URL(page.url()).hash)?.[1];

suite('the web chat offline from a cold start (service worker)', () => {
  const { env, named, person } = webChatSuite();

  it('a reload offline opens the app with its conversations and messages; a message written then is sent once when the network is back', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('before the tunnel');
    await bob.open(named('alice'));
    await expect.poll(() => bob.texts(), eventually).toEqual(['before the tunnel']);
    const conversationId = openConversationId(alice.page);
    expect(conversationId).toBeTruthy();

    // The worker installed (its files cached) and controls the page.
    await alice.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, eventually);
    await alice.context.setOffline(true);
    // The worker's own requests are cut too: what the reload shows comes from its cache.
    const [worker] = alice.context.serviceWorkers();
    expect(worker).toBeDefined();
    const reach = await worker!.evaluate(() => fetch('/favicon.svg', { cache: 'no-store' }).then(() => 'reached', () => 'offline'));
    expect(reach).toBe('offline');

    const reloaded = await alice.page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await alice.page.getByTestId('me').waitFor();
    await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
    await expect.poll(() => alice.page.getByTestId('conversation').filter({ hasText: named('bob') }).count(), eventually).toBe(1);
    await alice.page.getByTestId('title').filter({ hasText: named('bob') }).waitFor();
    await expect.poll(() => alice.texts(), eventually).toEqual(['before the tunnel']);

    await alice.send('written offline');
    await expect.poll(() => alice.tick('written offline'), eventually).toBe('pending');
    expect(await bob.texts()).toEqual(['before the tunnel']);

    await alice.context.setOffline(false);
    await expect.poll(() => bob.texts(), eventually).toEqual(['before the tunnel', 'written offline']);
    await expect.poll(() => alice.tick('written offline'), eventually).not.toBe('pending');
    expect(await alice.texts()).toEqual(['before the tunnel', 'written offline']);

    // The server's log holds it once (its REST history, read as Bob).
    const token = await env.server.token(named('bob'));
    const res = await fetch(`${env.server.url}/api/conversations/${conversationId}/messages?after=0&limit=100`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    const { events } = (await res.json()) as { events: { kind: string; data?: { text?: string } }[] };
    expect(events.filter((e) => e.kind === 'message').map((e) => e.data?.text)).toEqual(['before the tunnel', 'written offline']);
  });

  it('a new version of the app takes over: its files are cached, the old version\'s cache is gone, and it opens offline', async () => {
    const alice = await person('alice');
    await alice.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, eventually);
    const before = await shellCaches(alice.page);
    expect(before).toHaveLength(1);
    const oldScript = await appScript(alice.page);

    // A deploy: other bytes (an unminified build), other hashed file names.
    env.server.rebuild(['--minify', 'false']);
    await alice.page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    // One cache again, the new version's: the old one was deleted when the new worker took over.
    await expect
      .poll(async () => {
        const now = await shellCaches(alice.page);
        return now.length === 1 && now[0] !== before[0];
      }, eventually)
      .toBe(true);
    await alice.page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', undefined, eventually);

    await alice.context.setOffline(true);
    const reloaded = await alice.page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await alice.page.getByTestId('me').waitFor();
    const newScript = await appScript(alice.page);
    expect(newScript).not.toBe(oldScript);
    // The new version's script came from the new cache: the network is off.
    expect(await alice.page.evaluate(async (src) => (await fetch(src)).ok, newScript)).toBe(true);
  });
});
