import { describe, expect, it } from 'vitest';
import { createChatClient } from '@parley/client-sdk';
import type { Page } from 'playwright-core';
import { browserAvailable } from './helpers/browser.js';
import { bubbleOf, timelineTexts } from '../web-chat/helpers/chat-page.js';
import { searchFor, searchHits, trackFlashes } from '../web-chat/helpers/search-page.js';
import { webChatSuite } from '../web-chat/helpers/suite.js';

// Search offline (issue 18): the web chat in Chromium answers a search from what the device
// holds (its IndexedDB cache and outbox) when the server cannot be asked, and says so.
const suite = browserAvailable() ? describe : describe.skip;
const eventually = { timeout: 20_000 };
/** Each test: many messages to write, a browser to drive, on a busy machine. */
const TEST_TIMEOUT = 120_000;

/** How many of a conversation's events the page's IndexedDB cache holds (the cache is written behind the screen). */
const cachedEvents = (page: Page, dbName: string, conversationId: string) =>
  page.evaluate(
    ([name, id]) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const count = db.transaction('events').objectStore('events').count(IDBKeyRange.bound([id, 0], [id, Infinity]));
          count.onsuccess = () => (db.close(), resolve(count.result));
          count.onerror = () => (db.close(), reject(count.error));
        };
      }),
    [dbName, conversationId] as const,
  );

/** The conversation a page of the web chat shows (its route, `#/c/<id>`). */
const openConversationId = (page: Page) => /^#\/c\/(.+)$/.exec(new URL(page.url()).hash)?.[1];

suite('searching offline in the web chat (Chromium)', () => {
  const { env, named, person } = webChatSuite();

  it('offline, a search finds the messages the device holds and one written offline, marked offline; after an offline reload too', async () => {
    const bob = createChatClient({ url: env.server.url, getToken: () => env.server.token(named('bob')) });
    try {
      const { id } = await bob.openDirect(named('alice'));
      for (const text of ['Pick up the tickets at noon', 'The parcel is at the front desk', 'Tickets are in the blue envelope']) await bob.send(id, text);
      await expect.poll(() => bob.getMessages(id).filter((m) => m.status === 'sent').length, eventually).toBe(3);

      const alice = await person('alice');
      await alice.open(named('bob'));
      await expect.poll(() => timelineTexts(alice), eventually).toHaveLength(3);
      expect(openConversationId(alice.page)).toBe(id);
      // The service worker holds the app shell, for the offline reload below.
      await alice.page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, eventually);
      // Online first: the server answers, no offline note.
      await searchFor(alice, 'tickets');
      await expect.poll(() => searchHits(alice).count(), eventually).toBe(2);
      expect(await alice.page.getByTestId('search-offline').count()).toBe(0);
      await searchFor(alice, '');

      await alice.context.setOffline(true);
      await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
      await searchFor(alice, 'tickets');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual([
        'Tickets are in the blue envelope',
        'Pick up the tickets at noon',
      ]);
      await expect.poll(() => alice.page.getByTestId('search-offline').textContent(), eventually).toBe('Offline — showing messages on this device');
      expect(await searchHits(alice).first().locator('mark').allTextContents()).toEqual(['Tickets']);

      // A message written offline waits in the outbox: the search finds it too.
      await searchFor(alice, '');
      await alice.send('Tickets bought for Saturday');
      await expect.poll(() => alice.tick('Tickets bought for Saturday'), eventually).toBe('pending');
      await searchFor(alice, 'tickets');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toContain('Tickets bought for Saturday');
      expect(await searchHits(alice).count()).toBe(3);
      await alice.page.getByTestId('search-offline').waitFor();

      // A hit opens its message, offline, from the device's copy.
      const flashes = await trackFlashes(alice);
      await searchHits(alice).filter({ hasText: 'Pick up the tickets at noon' }).click();
      await expect.poll(() => flashes(), eventually).toContain('Pick up the tickets at noon');

      // A cold start without a network (the service worker serves the app): the search reads
      // the IndexedDB cache and outbox.
      await expect.poll(() => cachedEvents(alice.page, `parley-web-chat:${named('alice')}`, id), eventually).toBeGreaterThanOrEqual(3);
      await alice.page.reload();
      await alice.page.getByTestId('me').waitFor();
      await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
      await searchFor(alice, 'tickets');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(
        expect.arrayContaining(['Tickets are in the blue envelope', 'Pick up the tickets at noon', 'Tickets bought for Saturday']),
      );
      expect(await searchHits(alice).count()).toBe(3);
      await alice.page.getByTestId('search-offline').waitFor();

      // Back online: the message goes out once, and the server's answer holds it.
      await alice.context.setOffline(false);
      await expect.poll(() => alice.tick('Tickets bought for Saturday'), eventually).not.toBe('pending');
      await searchFor(alice, '');
      await searchFor(alice, 'saturday');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['Tickets bought for Saturday']);
      expect(await alice.page.getByTestId('search-offline').count()).toBe(0);
      await expect.poll(() => bubbleOf(alice, 'Tickets bought for Saturday').count(), eventually).toBe(1);
    } finally {
      await bob.close();
    }
  }, TEST_TIMEOUT);
});
