import { describe, expect, it } from 'vitest';
import { createChatClient } from '@parley/client-sdk';
// Chromium discovery and launch flags are shared with the offline-client browser tests.
import { browserAvailable } from '../browser/helpers/browser.js';
import { composerOf, screenshot, startChat } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

// In CI (CI=true) a missing Chromium fails the suite at launch instead of skipping it.
const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a reconnect backoff; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };

suite('the example web chat in Chromium', () => {
  const { env, named, person, context } = webChatSuite();

  it('two people chat both ways, with an unread badge until the message is read', async () => {
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    await alice.send('Hi Bob, lunch today?');
    await expect.poll(() => alice.texts(), eventually).toEqual(['Hi Bob, lunch today?']);

    const bob = await person('bob');
    const row = bob.page.getByTestId('conversation').filter({ hasText: named('alice') });
    await expect.poll(() => row.getByTestId('unread').textContent(), eventually).toBe('1');
    await screenshot(bob.page, 'conversation-list');
    await bob.open(named('alice'));
    await expect.poll(() => bob.texts(), eventually).toEqual(['Hi Bob, lunch today?']);
    await expect.poll(() => row.getByTestId('unread').count(), eventually).toBe(0);

    await bob.send('Sure, 12:30 at the usual place');
    await expect.poll(() => alice.texts(), eventually).toEqual(['Hi Bob, lunch today?', 'Sure, 12:30 at the usual place']);
    await expect.poll(() => bob.texts(), eventually).toEqual(['Hi Bob, lunch today?', 'Sure, 12:30 at the usual place']);
  });

  it('ticks go from sent to delivered to read as the other side gets and reads the message', async () => {
    const bob = await person('bob');
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    await alice.send('Did you get the tickets?');
    // Bob is signed in but has not opened the chat: his device has it, he has not read it.
    await expect.poll(() => alice.tick('Did you get the tickets?'), eventually).toBe('delivered');
    await bob.open(named('alice'));
    await expect.poll(() => alice.tick('Did you get the tickets?'), eventually).toBe('read');
  });

  it('a message written offline survives a reload and arrives exactly once when back online', async () => {
    let socketsBlocked = false;
    const alice = await person('alice', (context) =>
      // Lets the test keep the chat's socket from connecting while the page itself still loads.
      context.routeWebSocket(/\/parley\/socket\.io/, (ws) => (socketsBlocked ? ws.close() : void ws.connectToServer())),
    );
    const bob = await person('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('before the tunnel');
    await bob.open(named('alice'));
    await expect.poll(() => bob.texts(), eventually).toEqual(['before the tunnel']);

    await alice.context.setOffline(true);
    await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
    await alice.send('written in the tunnel');
    await expect.poll(() => alice.tick('written in the tunnel'), eventually).toBe('pending');
    await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain('1 message queued');
    await screenshot(alice.page, 'offline-queued');

    // Network back for the page, not yet for the chat: reload with the message still queued.
    socketsBlocked = true;
    await alice.context.setOffline(false);
    await alice.page.reload();
    await alice.page.getByTestId('title').waitFor();
    await expect.poll(() => alice.tick('written in the tunnel'), eventually).toBe('pending');
    expect(await bob.texts()).toEqual(['before the tunnel']);

    // The network comes back for real: the browser says so and the client reconnects at once.
    socketsBlocked = false;
    await alice.context.setOffline(true);
    await alice.context.setOffline(false);
    await expect.poll(() => bob.texts(), eventually).toEqual(['before the tunnel', 'written in the tunnel']);
    await expect.poll(() => alice.tick('written in the tunnel'), eventually).not.toBe('pending');
    await expect.poll(() => alice.page.getByTestId('banner').count(), eventually).toBe(0);
    expect(await alice.texts()).toEqual(['before the tunnel', 'written in the tunnel']);
    // A second reload brings nothing twice either.
    await bob.page.reload();
    await bob.page.getByTestId('title').waitFor();
    await expect.poll(() => bob.texts(), eventually).toEqual(['before the tunnel', 'written in the tunnel']);
  });

  it('shows who is typing, and clears it when they send or stop', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('What are you up to?');
    await bob.open(named('alice'));
    const subtitle = alice.page.getByTestId('subtitle');

    await composerOf(bob.page).pressSequentially('Writing a long ');
    await expect.poll(() => subtitle.textContent(), eventually).toBe('typing…');
    await screenshot(alice.page, 'conversation-typing');
    await composerOf(bob.page).press('Enter');
    await expect.poll(() => alice.texts(), eventually).toEqual(['What are you up to?', 'Writing a long']);
    await expect.poll(() => subtitle.textContent(), eventually).not.toBe('typing…');

    await composerOf(bob.page).pressSequentially('hmm');
    await expect.poll(() => subtitle.textContent(), eventually).toBe('typing…');
    // Bob stops typing without sending: the indicator expires by itself.
    await expect.poll(() => subtitle.textContent(), eventually).not.toBe('typing…');
  });

  it('loads older messages as the reader scrolls up, back to the first one', async () => {
    const texts = Array.from({ length: 90 }, (_, i) => `note ${i + 1}`);
    const writer = createChatClient({ url: env.server.url, getToken: () => env.server.token(named('carol')) });
    try {
      const { id } = await writer.openDirect(named('dave'));
      for (const text of texts) await writer.send(id, text);
      await new Promise<void>((done) => {
        const check = () => writer.getMessages(id).every((m) => m.status === 'sent') && (stop(), done());
        const stop = writer.subscribe(check);
        check();
      });
    } finally {
      writer.close();
    }

    const dave = await person('dave');
    await dave.open(named('carol'));
    await expect.poll(async () => (await dave.texts()).at(-1), eventually).toBe('note 90');
    expect((await dave.texts()).length).toBeLessThan(texts.length);
    const list = dave.page.getByTestId('messages');
    const beginning = dave.page.getByText('This is the beginning of the conversation.');
    for (let i = 0; i < 20 && !(await beginning.isVisible()); i += 1) {
      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      await dave.page.waitForFunction(() => !document.body.textContent?.includes('Loading earlier messages'));
    }
    expect(await dave.texts()).toEqual(texts);
  });

  it('starts a group that every member sees', async () => {
    const visitor = await context({ viewport: { width: 1000, height: 640 } });
    const welcome = await visitor.newPage();
    await welcome.goto(env.server.url);
    await welcome.getByLabel('Your name').fill('erin');
    await screenshot(welcome, 'sign-in');

    const erin = await person('erin');
    const frank = await person('frank');
    await startChat(erin, [named('frank'), named('grace')], 'Weekend hike');
    await erin.send('Saturday, 9am at the trailhead?');
    await frank.open('Weekend hike');
    await expect.poll(() => frank.texts(), eventually).toEqual(['Saturday, 9am at the trailhead?']);
    await frank.send('Count me in');
    await expect.poll(() => erin.texts(), eventually).toEqual(['Saturday, 9am at the trailhead?', 'Count me in']);
    await screenshot(erin.page, 'group-chat');
    await erin.page.getByRole('button', { name: '+ New chat' }).click();
    await erin.page.getByLabel('Chat with').fill('hal');
    await screenshot(erin.page, 'new-chat');
  });
});
