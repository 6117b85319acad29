import { describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient } from '@parley/client-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import type { Person } from './helpers/chat-page.js';
import { composerOf, startChat } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };

suite('message content in the example web chat', () => {
  const { env, named, errors, watched } = webChatSuite();

  /** A Node client of `name`, for messages a browser cannot write (app data) or many at once. */
  async function writer(name: string, to: string, send: (chat: ChatClient, id: string) => Promise<void>): Promise<void> {
    const chat = createChatClient({ url: env.server.url, getToken: () => env.server.token(named(name)) });
    try {
      const { id } = await chat.openDirect(named(to));
      await send(chat, id);
      await expect.poll(() => chat.getMessages(id).every((m) => m.status === 'sent'), eventually).toBe(true);
    } finally {
      chat.close();
    }
  }

  const focused = (p: Person) => p.page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.getAttribute('data-message-id') ?? null);
  /** What a quote shows: who wrote the quoted message, and how it began. */
  const quoteOf = async (quote: ReturnType<Person['page']['getByTestId']>) =>
    `${await quote.locator('.quote-sender').textContent()}: ${await quote.locator('.quote-preview').textContent()}`;
  const bubble = (p: Person, text: string) => p.page.getByTestId('message').filter({ has: p.page.locator('.text', { hasText: text }) });

  it('alice replies to an earlier message of bob, bob sees the quote, and the quote leads back to it', async () => {
    errors.length = 0;
    await writer('bob', 'alice', async (chat, id) => {
      await chat.send(id, 'Are we still on for Friday?');
      for (let i = 1; i <= 20; i += 1) await chat.send(id, `photo ${i}`);
    });
    const alice = await watched('alice');
    const bob = await watched('bob');
    await alice.open(named('bob'));
    await expect.poll(async () => (await alice.texts()).at(-1), eventually).toBe('photo 20');

    // A reply started and dropped: the composer shows what it would quote, Cancel takes it back.
    await bubble(alice, 'photo 3').hover();
    await bubble(alice, 'photo 3').getByRole('button', { name: `Reply to ${named('bob')}` }).click();
    await alice.page.getByRole('button', { name: 'Cancel reply' }).click();
    await expect.poll(() => alice.page.getByTestId('reply-draft').count(), eventually).toBe(0);
    expect(await focused(alice)).toBe('Message');

    const question = bubble(alice, 'Are we still on for Friday?');
    await question.hover();
    await question.getByRole('button', { name: `Reply to ${named('bob')}` }).click();
    const draft = alice.page.getByRole('group', { name: `Replying to ${named('bob')}` });
    await expect.poll(() => draft.textContent(), eventually).toContain('Are we still on for Friday?');
    expect(await focused(alice)).toBe('Message');
    await composerOf(alice.page).pressSequentially('Yes, 7pm');
    await composerOf(alice.page).press('Enter');
    await expect.poll(() => alice.page.getByTestId('reply-draft').count(), eventually).toBe(0);

    // Bob, who wrote the question, sees the answer quoting it: his name and its start.
    await bob.open(named('alice'));
    const quote = bubble(bob, 'Yes, 7pm').getByTestId('quote');
    await expect.poll(() => quoteOf(quote), eventually).toBe(`${named('bob')}: Are we still on for Friday?`);

    // The quoted message is far above: the quote brings it into view and onto the focus.
    await expect.poll(() => alice.tick('Yes, 7pm'), eventually).not.toBe('pending');
    await expect.poll(() => inView(alice, 'Are we still on for Friday?'), eventually).toBe(false);
    await bubble(alice, 'Yes, 7pm').getByRole('button', { name: `Show the quoted message, from ${named('bob')} Are we still on for Friday?` }).click();
    await expect.poll(() => inView(alice, 'Are we still on for Friday?'), eventually).toBe(true);
    expect(await focused(alice)).toBe(await question.getAttribute('data-message-id'));
    // Labels that quote people's words (who may well write "message") leave the composer findable.
    await alice.send('See you there');
    await expect.poll(async () => (await alice.texts()).at(-1), eventually).toBe('See you there');
    expect(errors).toEqual([]);
  });

  it('a reply written offline shows its quote while queued, and arrives with it', async () => {
    errors.length = 0;
    await writer('bob', 'alice', (chat, id) => chat.send(id, 'Which train are you on?').then(() => undefined));
    const alice = await watched('alice');
    const bob = await watched('bob');
    await alice.open(named('bob'));
    await expect.poll(() => alice.texts(), eventually).toEqual(['Which train are you on?']);

    await alice.context.setOffline(true);
    await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
    await bubble(alice, 'Which train').getByRole('button', { name: `Reply to ${named('bob')}` }).click();
    await alice.send('The 8:15');
    await expect.poll(() => alice.tick('The 8:15'), eventually).toBe('pending');
    // No server quote yet: the quote comes from the loaded message it answers.
    const quote = bubble(alice, 'The 8:15').getByTestId('quote');
    await expect.poll(() => quoteOf(quote), eventually).toBe(`${named('bob')}: Which train are you on?`);

    await alice.context.setOffline(false);
    await expect.poll(() => alice.tick('The 8:15'), eventually).not.toBe('pending');
    await bob.open(named('alice'));
    await expect.poll(() => quoteOf(bubble(bob, 'The 8:15').getByTestId('quote')), eventually).toBe(`${named('bob')}: Which train are you on?`);
    expect(await quoteOf(quote)).toBe(`${named('bob')}: Which train are you on?`);
    // The console may report the socket's failed reconnects while offline; nothing else.
    expect(errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  });

  it('alice mentions bob with the picker: his list shows @ until he reads it, and the message stands out', async () => {
    errors.length = 0;
    const alice = await watched('alice');
    const bob = await watched('bob');
    await startChat(alice, [named('bob'), named('carol')], 'Trip');
    const composer = composerOf(alice.page);
    await composer.pressSequentially('Tickets are booked, thanks @');
    const picker = alice.page.getByRole('listbox', { name: 'Mention a member' });
    await expect.poll(() => picker.getByRole('option').locator('.picker-name').allTextContents(), eventually).toEqual([named('bob'), named('carol')]);
    await composer.pressSequentially('bo');
    await expect.poll(() => picker.getByRole('option').locator('.picker-name').allTextContents(), eventually).toEqual([named('bob')]);
    await picker.getByRole('option', { name: named('bob') }).click();
    await expect.poll(() => picker.count(), eventually).toBe(0);
    expect(await composer.inputValue()).toBe(`Tickets are booked, thanks @${named('bob')} `);
    await composer.pressSequentially('!');
    await composer.press('Enter');
    await expect.poll(() => alice.texts(), eventually).toEqual([`Tickets are booked, thanks @${named('bob')} !`]);

    const row = bob.page.getByTestId('conversation').filter({ hasText: 'Trip' });
    await expect.poll(() => row.getByTestId('mentions').getAttribute('aria-label'), eventually).toBe('1 unread mention');
    await bob.open('Trip');
    const mentioned = bob.page.getByRole('group', { name: `${named('alice')} mentioned you` });
    await expect.poll(() => mentioned.getByTestId('mention').textContent(), eventually).toBe(`@${named('bob')}`);
    expect(await mentioned.getByTestId('mention').getAttribute('class')).toContain('you');
    // The highlighted name reads inside its sentence, on the line of the words before it.
    expect(await mentioned.getByTestId('mention').evaluate((el) => el.getBoundingClientRect().top - el.parentElement!.getBoundingClientRect().top)).toBeLessThan(4);
    // Read: the @ goes with the unread count.
    await expect.poll(() => row.getByTestId('mentions').count(), eventually).toBe(0);
    expect(errors).toEqual([]);
  });

  it('picks a mention with the keyboard only: arrows, Tab or Enter to pick, Escape to close', async () => {
    errors.length = 0;
    const alice = await watched('alice');
    const carol = await watched('carol');
    await startChat(alice, [named('bob'), named('carol')], 'Lunch');
    const composer = composerOf(alice.page);
    await composer.pressSequentially('Lunch @');
    const picker = alice.page.getByRole('listbox', { name: 'Mention a member' });
    const active = () => alice.page.evaluate(() => {
      const id = document.activeElement?.getAttribute('aria-activedescendant');
      return id ? document.getElementById(id)?.querySelector('.picker-name')?.textContent ?? null : null;
    });
    await expect.poll(active, eventually).toBe(named('bob'));
    await composer.press('ArrowDown');
    await expect.poll(active, eventually).toBe(named('carol'));
    await composer.press('Tab');
    await expect.poll(() => composer.inputValue(), eventually).toBe(`Lunch @${named('carol')} `);
    expect(await focused(alice)).toBe('Message');

    // Escape closes the picker and leaves the text as typed; it stays closed for that `@`.
    await composer.pressSequentially('and @b');
    await expect.poll(() => picker.count(), eventually).toBe(1);
    await composer.press('Escape');
    await expect.poll(() => picker.count(), eventually).toBe(0);
    expect(await composer.inputValue()).toBe(`Lunch @${named('carol')} and @b`);
    await composer.pressSequentially('o');
    expect(await picker.count()).toBe(0);
    // A new `@` opens it again, and Enter picks.
    for (let i = 0; i < 3; i += 1) await composer.press('Backspace');
    await composer.pressSequentially('@b');
    await expect.poll(() => active(), eventually).toBe(named('bob'));
    await composer.press('Enter');
    await expect.poll(() => composer.inputValue(), eventually).toBe(`Lunch @${named('carol')} and @${named('bob')} `);
    await composer.pressSequentially('?');
    await composer.press('Enter');
    await expect.poll(() => alice.texts(), eventually).toEqual([`Lunch @${named('carol')} and @${named('bob')} ?`]);

    await carol.open('Lunch');
    const mentioned = carol.page.getByRole('group', { name: `${named('alice')} mentioned you` });
    await expect.poll(() => mentioned.getByTestId('mention').allTextContents(), eventually).toEqual([`@${named('carol')}`, `@${named('bob')}`]);
    expect(errors).toEqual([]);
  });

  it('shows a message with only app data as a small card, and names it so in the list', async () => {
    errors.length = 0;
    await writer('bob', 'alice', async (chat, id) => {
      await chat.send(id, { custom: { kind: 'poll', question: 'Pizza or sushi?', options: ['pizza', 'sushi'] } });
    });
    const alice = await watched('alice');
    const row = alice.page.getByTestId('conversation').filter({ hasText: named('bob') });
    await expect.poll(() => row.locator('.row-preview').textContent(), eventually).toBe('[app data]');
    await alice.open(named('bob'));
    await expect.poll(() => alice.page.getByTestId('custom-card').textContent(), eventually).toBe('[app data]kind, question, options');
    expect(errors).toEqual([]);
  });
});

/** Whether the message with this text is within the visible part of the message list. */
async function inView(p: Person, text: string): Promise<boolean> {
  const target = p.page.getByTestId('message').filter({ has: p.page.locator('.text', { hasText: text }) });
  return target.evaluate((el) => {
    const list = el.closest('[data-testid="messages"]')!.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return box.top >= list.top && box.bottom <= list.bottom;
  });
}
