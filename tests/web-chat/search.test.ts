import { describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient } from '@parley/client-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import { bubbleOf, timelineOf, timelineTexts } from './helpers/chat-page.js';
import { searchField, searchHits, searchFor, trackFlashes, inView, focusedText } from './helpers/search-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };
/** Each test: many messages to write, a browser to drive, on a busy machine. */
const TEST_TIMEOUT = 120_000;

suite('message search in the example web chat', () => {
  const { env, named, errors, watched } = webChatSuite();
  const devices: ChatClient[] = [];

  /** A device of `name` in Node, to write many messages quickly; closed after the test. */
  const device = (name: string) => {
    const chat = createChatClient({ url: env.server.url, getToken: () => env.server.token(named(name)) });
    devices.push(chat);
    return chat;
  };
  const closeDevices = () => Promise.all(devices.splice(0).map((d) => d.close()));

  /** Sends the texts in order and waits until the server stored them all. */
  async function sendAll(chat: ChatClient, id: string, texts: readonly string[]) {
    for (const text of texts) await chat.send(id, text);
    await expect.poll(() => chat.getMessages(id).filter((m) => m.status === 'sent').length, eventually).toBe(texts.length);
  }

  it('finds a message far back (more than a page) and a click opens the conversation around it, in view and highlighted; Jump to latest goes back', async () => {
    try {
      const bob = device('bob');
      const { id } = await bob.openDirect(named('alice'));
      const target = 'The harbour key is under the blue pot';
      const texts = Array.from({ length: 150 }, (_, i) => (i === 12 ? target : `filler line ${i}`));
      await sendAll(bob, id, texts);

      const alice = await watched('alice');
      await alice.open(named('bob'));
      await expect.poll(async () => (await timelineTexts(alice)).at(-1), eventually).toBe('filler line 149');
      // The screen holds the newest pages only: the message is far outside what the device loaded.
      expect(await timelineTexts(alice)).not.toContain(target);
      expect(await alice.page.getByTestId('jump-latest').count()).toBe(0);

      // Pages: the first page of the many "filler" lines, then the next by its cursor.
      await searchFor(alice, 'filler');
      await expect.poll(() => searchHits(alice).count(), eventually).toBe(20);
      expect(await searchHits(alice).first().getByTestId('snippet').textContent()).toBe('filler line 149');
      await alice.page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => searchHits(alice).count(), eventually).toBe(40);
      const paged = await searchHits(alice).getByTestId('snippet').allTextContents();
      expect(paged).toEqual(Array.from({ length: 40 }, (_, i) => `filler line ${149 - i}`));

      await searchFor(alice, 'harbour');
      const hit = searchHits(alice);
      await expect.poll(() => hit.count(), eventually).toBe(1);
      await expect.poll(() => hit.getByTestId('snippet').textContent(), eventually).toBe(target);
      expect(await hit.locator('mark').allTextContents()).toEqual(['harbour']);
      expect(await hit.textContent()).toContain(named('bob'));

      const flashes = await trackFlashes(alice);
      await hit.click();
      await expect.poll(() => bubbleOf(alice, target).count(), eventually).toBe(1);
      await expect.poll(() => flashes(), eventually).toContain(target);
      await expect.poll(() => inView(alice, target), eventually).toBe(true);
      expect(await focusedText(alice)).toContain(target);
      // A window around it: its neighbours, not the newest messages.
      const shown = await timelineTexts(alice);
      expect(shown).toContain('filler line 11');
      expect(shown).toContain('filler line 13');
      expect(shown).not.toContain('filler line 149');

      await alice.page.getByTestId('jump-latest').click();
      await expect.poll(async () => (await timelineTexts(alice)).at(-1), eventually).toBe('filler line 149');
      await expect.poll(() => inView(alice, 'filler line 149'), eventually).toBe(true);
      expect(await alice.page.getByTestId('jump-latest').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await closeDevices();
    }
  }, TEST_TIMEOUT);

  it('the keyboard: Ctrl+K and / focus the search, arrows choose a result, Enter opens it, Escape closes the search; newest or best match first', async () => {
    try {
      const bob = device('bob');
      const { id } = await bob.openDirect(named('alice'));
      await sendAll(bob, id, ['Lunch at noon?', 'The lunch menu is up', 'Something else']);
      const alice = await watched('alice');
      await alice.open(named('bob'));
      await expect.poll(() => timelineTexts(alice), eventually).toEqual(['Lunch at noon?', 'The lunch menu is up', 'Something else']);

      await alice.page.locator('body').press('Control+k');
      await expect.poll(() => searchField(alice).evaluate((el) => el === document.activeElement)).toBe(true);
      await alice.page.keyboard.type('lunch');
      await expect.poll(() => searchHits(alice).count(), eventually).toBe(2);
      // Newest first.
      expect(await searchHits(alice).getByTestId('snippet').allTextContents()).toEqual(['The lunch menu is up', 'Lunch at noon?']);
      // Best match: the short message that is mostly the word comes first.
      await alice.page.getByRole('button', { name: 'Best match' }).click();
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['Lunch at noon?', 'The lunch menu is up']);
      await alice.page.getByRole('button', { name: 'Newest' }).click();
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['The lunch menu is up', 'Lunch at noon?']);
      await searchField(alice).focus();
      await alice.page.keyboard.press('ArrowDown');
      await alice.page.keyboard.press('ArrowDown');
      await expect.poll(() => searchHits(alice).nth(1).getAttribute('aria-selected')).toBe('true');
      const flashes = await trackFlashes(alice);
      await alice.page.keyboard.press('Enter');
      await expect.poll(() => flashes(), eventually).toContain('Lunch at noon?');
      expect(await focusedText(alice)).toContain('Lunch at noon?');

      // Escape in the field clears the search: the conversations are back.
      await searchField(alice).focus();
      await alice.page.keyboard.press('Escape');
      await expect.poll(() => searchHits(alice).count()).toBe(0);
      expect(await searchField(alice).inputValue()).toBe('');
      await alice.page.getByTestId('conversation').first().waitFor();

      // `/` focuses it from the page (not while typing a message).
      await timelineOf(alice).first().focus();
      await alice.page.keyboard.press('/');
      await expect.poll(() => searchField(alice).evaluate((el) => el === document.activeElement)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await closeDevices();
    }
  }, TEST_TIMEOUT);

  it('an edited message is found by its new words only, a deleted one no more; a search in one conversation keeps to it', async () => {
    try {
      const bob = device('bob');
      const { id } = await bob.openDirect(named('alice'));
      const carol = device('carol');
      const { id: withCarol } = await carol.openDirect(named('alice'));
      await sendAll(bob, id, ['Meet at the old mill', 'Secret plan alpha']);
      await sendAll(carol, withCarol, ['Carol has a plan for the weekend']);
      const [mill, secret] = bob.getMessages(id);
      await bob.edit(id, mill!.id!, 'Meet at the lighthouse');
      await expect.poll(() => bob.getMessages(id)[0]?.status === 'sent' && bob.getMessages(id)[0]?.text, eventually).toBe('Meet at the lighthouse');

      const alice = await watched('alice');
      await alice.open(named('bob'));
      await expect.poll(() => timelineTexts(alice), eventually).toEqual(['Meet at the lighthouse', 'Secret plan alpha']);

      await searchFor(alice, 'mill');
      await expect.poll(() => alice.page.getByTestId('search-status').textContent(), eventually).toBe('No messages match “mill”.');
      expect(await searchHits(alice).count()).toBe(0);
      await searchFor(alice, 'lighthouse');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['Meet at the lighthouse']);

      await searchFor(alice, 'alpha');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['Secret plan alpha']);
      await bob.delete(id, secret!.id!);
      await expect.poll(() => bubbleOf(alice, 'Secret plan alpha').count(), eventually).toBe(0);
      await searchFor(alice, '');
      await searchFor(alice, 'alpha');
      await expect.poll(() => alice.page.getByTestId('search-status').textContent(), eventually).toBe('No messages match “alpha”.');
      expect(await searchHits(alice).count()).toBe(0);
      await alice.page.getByRole('button', { name: 'Close search' }).click();

      // All of Alice's chats, then from the header only this one.
      await bob.send(id, 'The plan is on');
      await expect.poll(() => timelineTexts(alice), eventually).toContain('The plan is on');
      await searchFor(alice, 'plan');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['The plan is on', 'Carol has a plan for the weekend']);
      await alice.page.getByRole('button', { name: 'Close search' }).click();
      await alice.page.getByRole('button', { name: 'Search in this conversation' }).click();
      await expect.poll(() => searchField(alice).evaluate((el) => el === document.activeElement)).toBe(true);
      await expect.poll(() => alice.page.getByTestId('search-scope').textContent()).toContain(named('bob'));
      await alice.page.keyboard.type('plan');
      await expect.poll(() => searchHits(alice).getByTestId('snippet').allTextContents(), eventually).toEqual(['The plan is on']);
      expect(errors).toEqual([]);
    } finally {
      await closeDevices();
    }
  }, TEST_TIMEOUT);

  it('a quote of a message far back jumps to it (loaded around it first)', async () => {
    try {
      const bob = device('bob');
      const { id } = await bob.openDirect(named('alice'));
      const first = 'Where did we park the boat?';
      await sendAll(bob, id, [first, ...Array.from({ length: 120 }, (_, i) => `chatter ${i}`)]);
      const quoted = bob.getMessages(id)[0]!;
      await bob.send(id, 'At the north pier', { replyTo: quoted.id! });
      await expect.poll(() => bob.getMessages(id).at(-1)?.status, eventually).toBe('sent');

      const alice = await watched('alice');
      await alice.open(named('bob'));
      const reply = bubbleOf(alice, 'At the north pier');
      await reply.waitFor();
      expect(await timelineTexts(alice)).not.toContain(first);
      const flashes = await trackFlashes(alice);
      await reply.getByTestId('quote').click();
      await expect.poll(() => flashes(), eventually).toContain(first);
      await expect.poll(() => inView(alice, first), eventually).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await closeDevices();
    }
  }, TEST_TIMEOUT);
  it('"N unread ↑" takes the reader to the first message they had not read, further back than the screen', async () => {
    try {
      const bob = device('bob');
      const { id } = await bob.openDirect(named('alice'));
      await sendAll(bob, id, Array.from({ length: 90 }, (_, i) => `news ${i}`));

      const alice = await watched('alice');
      const row = alice.page.getByTestId('conversation').filter({ hasText: named('bob') });
      await expect.poll(() => row.getByTestId('unread').textContent(), eventually).toBe('90');
      await alice.open(named('bob'));
      await expect.poll(async () => (await timelineTexts(alice)).at(-1), eventually).toBe('news 89');
      const pill = alice.page.getByTestId('unread-pill');
      await expect.poll(() => pill.textContent(), eventually).toBe('90 unread ↑');
      expect(await timelineTexts(alice)).not.toContain('news 0');

      const flashes = await trackFlashes(alice);
      await pill.click();
      await expect.poll(() => flashes(), eventually).toContain('news 0');
      await expect.poll(() => inView(alice, 'news 0'), eventually).toBe(true);
      expect(await pill.count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await closeDevices();
    }
  }, TEST_TIMEOUT);
});
