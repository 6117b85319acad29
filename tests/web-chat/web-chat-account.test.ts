import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createChatClient } from '@parley/client-sdk';
import { createDevAuth } from '@parley/server-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import { composerOf, signInOnPage, startChat } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

// In CI (CI=true) a missing Chromium fails the suite at launch instead of skipping it.
const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a reconnect backoff; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };

/** The names of the IndexedDB databases this page's origin holds. */
const databases = (page: Page) => page.evaluate(async () => (await indexedDB.databases()).map((db) => db.name ?? ''));

suite('the example web chat: refused sends, sign-out and sessions', () => {
  const { env, named, person } = webChatSuite();

  /** What the server holds for a direct chat, asked as the other member through the SDK. */
  const lastSeqSeenBy = async (userId: string, other: string) => {
    const client = createChatClient({ url: env.server.url, getToken: () => env.server.token(userId) });
    try {
      return (await client.openDirect(other)).lastSeq;
    } finally {
      client.close();
    }
  };

  it('an over-long message shows the error and keeps the draft', async () => {
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    // The log's position after the chat was made (membership events count too).
    const before = await lastSeqSeenBy(named('bob'), named('alice'));
    const tooLong = 'x'.repeat(8_001);
    await alice.send(tooLong);

    await expect.poll(() => alice.page.getByRole('alert').textContent(), eventually).toContain('at most 8,000 characters');
    expect(await composerOf(alice.page).inputValue()).toBe(tooLong);
    expect(await alice.page.getByTestId('message').count()).toBe(0);
    expect(await lastSeqSeenBy(named('bob'), named('alice'))).toBe(before);

    // Editing the draft clears the error; a text that fits goes out.
    await composerOf(alice.page).fill('short enough');
    await expect.poll(() => alice.page.getByRole('alert').count(), eventually).toBe(0);
    await composerOf(alice.page).press('Enter');
    await expect.poll(() => alice.tick('short enough'), eventually).not.toBe('pending');
    expect(await alice.texts()).toEqual(['short enough']);
    expect(await composerOf(alice.page).inputValue()).toBe('');
  });

  it('sign out deletes the local database', async () => {
    const alice = await person('alice');
    const database = `parley-web-chat:${named('alice')}`;
    await startChat(alice, [named('bob')]);
    await alice.send('for my eyes only');
    await expect.poll(() => alice.tick('for my eyes only'), eventually).not.toBe('pending');
    await expect.poll(() => databases(alice.page), eventually).toContain(database);

    await alice.page.getByRole('button', { name: 'Sign out' }).click();
    await alice.page.getByLabel('Your name').waitFor();
    await expect.poll(() => databases(alice.page), eventually).not.toContain(database);

    // The next person on this browser sees nothing of Alice's.
    await signInOnPage(alice.page, named('carol'));
    await expect.poll(() => alice.page.locator('.sidebar').textContent(), eventually).not.toContain(named('bob'));
    expect(await alice.page.getByTestId('conversation').count()).toBe(0);
    expect(await databases(alice.page)).not.toContain(database);
  });

  it('a rejected token shows the unauthorized banner, and signing in again recovers', async () => {
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    await alice.send('before the key rotation');
    await expect.poll(() => alice.tick('before the key rotation'), eventually).not.toBe('pending');
    const before = await lastSeqSeenBy(named('bob'), named('alice'));

    // The server no longer accepts what the app's token endpoint hands out (a secret rotated
    // under it): a well-formed JWT signed with another key.
    const stale = await createDevAuth({ secret: 'a-secret-the-server-does-not-know' }).issueToken(named('alice'));
    await alice.page.route('**/api/dev/token', (route) => route.fulfill({ json: { token: stale } }));
    await alice.context.setOffline(true);
    const banner = alice.page.getByTestId('banner');
    await expect.poll(() => banner.textContent(), eventually).toContain("You're offline");
    await alice.context.setOffline(false);
    await expect.poll(() => banner.textContent(), eventually).toContain('Your session ended');
    await alice.send('written while signed out');
    await expect.poll(() => banner.textContent(), eventually).toContain('1 message queued');

    await alice.page.unroute('**/api/dev/token');
    await alice.page.getByRole('button', { name: 'Sign in again' }).click();
    await expect.poll(() => banner.count(), eventually).toBe(0);
    await expect.poll(() => alice.tick('written while signed out'), eventually).not.toBe('pending');
    // Stored once, after the first.
    expect(await lastSeqSeenBy(named('bob'), named('alice'))).toBe(before + 1);
    expect(await alice.texts()).toEqual(['before the key rotation', 'written while signed out']);
  });
});
