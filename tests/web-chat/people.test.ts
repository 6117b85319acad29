import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAvailable } from '../browser/helpers/browser.js';
import { composerOf, pickPeople, signInOnPage } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine (2 shared cores); the assertions wait for what a person sees. */
const eventually = { timeout: 30_000 };

/**
 * The reference server's built-in demo directory names alice…judy ("Heidi" for `heidi`): these
 * tests sign in as those ids, each id in one test only (the file shares one server).
 */
suite('names and the people picker in the example web chat', () => {
  const { env, context } = webChatSuite();

  const demo = async (id: string): Promise<Page> => {
    const page = await (await context({ viewport: { width: 1000, height: 640 } })).newPage();
    await page.goto(env.server.url);
    await signInOnPage(page, id);
    return page;
  };
  const titles = (page: Page) => page.getByTestId('conversation').locator('.row-title').allTextContents();
  const lines = (page: Page) => page.getByTestId('messages').getByTestId('system-line').allTextContents();

  it('shows names from the directory instead of ids: list, header, senders, system lines, mentions, reactions', async () => {
    const heidi = await demo('heidi');
    const ivan = await demo('ivan');
    await expect.poll(() => heidi.getByTestId('me').textContent(), eventually).toBe('Heidi');

    await heidi.getByRole('button', { name: '+ New chat' }).click();
    await pickPeople(heidi, 'Chat with', ['ivan', 'judy']);
    await heidi.getByLabel('Group name').fill('Book club');
    await heidi.getByRole('button', { name: 'Create group' }).click();
    await composerOf(heidi).pressSequentially('@Iv');
    await heidi.getByRole('option', { name: /Ivan/ }).click();
    await composerOf(heidi).pressSequentially('read chapter 3');
    await composerOf(heidi).press('Enter');

    await ivan.getByTestId('conversation').filter({ hasText: 'Book club' }).click();
    await expect.poll(() => ivan.getByTestId('subtitle').textContent(), eventually).toBe('3 members: Heidi, Ivan, Judy');
    await expect.poll(() => lines(ivan), eventually).toEqual(["Heidi created the group 'Book club'"]);
    const bubble = ivan.getByTestId('messages').getByTestId('message');
    await expect.poll(() => bubble.locator('.sender').textContent(), eventually).toBe('Heidi');
    expect(await bubble.getByTestId('mention').textContent()).toBe('@Ivan');
    await expect.poll(() => ivan.getByTestId('conversation').locator('.row-preview').textContent(), eventually).toBe('Heidi: @ivan read chapter 3');

    await bubble.hover();
    await bubble.getByRole('button', { name: 'Add a reaction' }).click();
    await ivan.getByRole('button', { name: 'React with 👍' }).click();
    const chip = heidi.getByTestId('messages').getByTestId('reaction');
    await expect.poll(() => chip.getAttribute('title'), eventually).toBe('Ivan reacted with 👍');

    // A direct chat is titled by the other person's name, on both sides.
    await heidi.getByRole('button', { name: '+ New chat' }).click();
    await pickPeople(heidi, 'Chat with', ['ivan']);
    await heidi.getByRole('button', { name: 'Start chat' }).click();
    await expect.poll(() => heidi.getByTestId('title').textContent(), eventually).toBe('Ivan');
    await composerOf(heidi).fill('hi');
    await composerOf(heidi).press('Enter');
    await expect.poll(() => titles(ivan), eventually).toEqual(['Heidi', 'Book club']);
  }, 120_000);

  it('the people picker finds people by name, takes an exact id the directory lacks, and creates the group', async () => {
    const grace = await demo('grace');
    const frank = await demo('frank');
    await grace.getByRole('button', { name: '+ New chat' }).click();
    const search = grace.getByLabel('Chat with', { exact: true });
    await search.fill('fra');
    const found = grace.getByTestId('person-option');
    const foundTexts = () => found.locator('.grow').allTextContents();
    await expect.poll(foundTexts, eventually).toEqual(['Frank frank', 'Use id “fra”']);
    await found.filter({ hasText: 'Frank' }).click();
    const picked = () => grace.getByTestId('picked').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-user-id')}: ${el.querySelector('span:not(.avatar)')?.textContent}`));
    await expect.poll(picked, eventually).toEqual(['frank: Frank']);
    // Someone the directory does not list, by their exact id.
    await search.fill('zoe-42');
    await grace.getByRole('button', { name: 'Use id “zoe-42”' }).click();
    await expect.poll(picked, eventually).toEqual(['frank: Frank', 'zoe-42: zoe-42']);
    // Picked people are not offered again.
    await search.fill('fra');
    await expect.poll(foundTexts, eventually).toEqual(['Use id “fra”']);
    await search.fill('');
    await grace.getByRole('button', { name: 'Create group' }).click();

    await expect.poll(() => grace.getByTestId('subtitle').textContent(), eventually).toBe('3 members: Frank, Grace, zoe-42');
    await expect.poll(() => titles(frank), eventually).toEqual(['Grace, zoe-42']);
  }, 120_000);
});
