import { describe, expect, it } from 'vitest';
import { browserAvailable } from '../browser/helpers/browser.js';
import { bubbleOf, composerOf, startChat, timelineTexts, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';
import type { Page } from 'playwright-core';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine (2 shared cores); the assertions wait for what a person sees. */
const eventually = { timeout: 30_000 };

suite('mute, block and report in the example web chat', () => {
  const { env, named, person } = webChatSuite();

  const menuOn = async (page: Page, item: string) => {
    await page.getByRole('button', { name: 'Conversation options' }).click();
    await page.getByRole('menuitem', { name: item }).click();
  };
  const menu = (p: Person, item: string) => menuOn(p.page, item);
  /** The list's row whose title is exactly `title` (a group's preview may name the same person). */
  const rowOn = (page: Page, title: string) => page.getByTestId('conversation').filter({ has: page.getByText(title, { exact: true }) });
  const open = async (p: Person, title: string) => {
    await rowOn(p.page, title).click();
    await p.page.getByTestId('title').filter({ hasText: title }).waitFor();
  };

  it("mute shows on both of the user's tabs, and a muted chat stays out of the tab title's count until unmuted", async () => {
    const bob = named('bob');
    const alice = await person('alice');
    await startChat(alice, [bob]);
    // A second tab of the same browser: signed in already (the name is kept).
    const tab = await alice.context.newPage();
    await tab.goto(env.server.url);
    await rowOn(tab, bob).waitFor();

    await menu(alice, 'Mute for 1 hour');
    for (const page of [alice.page, tab]) {
      await expect.poll(() => rowOn(page, bob).getByTestId('muted').count(), eventually).toBe(1);
    }
    expect(await alice.page.getByTestId('header-muted').count()).toBe(1);
    // Nobody looks at the chat now (an open chat is read at once, on every tab).
    await alice.page.evaluate(() => void (window.location.hash = ''));
    await alice.page.getByText('Pick a conversation').waitFor();

    // Bob writes: the row counts it, the tab title does not (muted).
    const bobPage = await person('bob');
    await bobPage.open(named('alice'));
    await bobPage.send('ping');
    for (const page of [alice.page, tab]) {
      await expect.poll(() => rowOn(page, bob).getByTestId('unread').textContent(), eventually).toBe('1');
      expect(await page.title()).toBe('Parley chat');
    }

    // Unmuted from the second tab: the icon goes on both, and the count is back in the title.
    await rowOn(tab, bob).click();
    await menuOn(tab, 'Unmute');
    for (const page of [alice.page, tab]) {
      await expect.poll(() => rowOn(page, bob).getByTestId('muted').count(), eventually).toBe(0);
    }
    // Unmuted, a new message counts in the tab title again.
    await tab.evaluate(() => void (window.location.hash = ''));
    await tab.getByText('Pick a conversation').waitFor();
    await bobPage.send('ping again');
    await expect.poll(() => tab.title(), eventually).toBe('(1) Parley chat');
  }, 120_000);

  it("blocking in a direct chat takes the composer away, the other side's send fails with the reason, and the blocked user's group messages are collapsed", async () => {
    const [alice, bob, carol] = [named('alice'), named('bob'), named('carol')];
    const alicePage = await person('alice');
    const bobPage = await person('bob');
    await startChat(alicePage, [bob, carol], 'trio');
    await startChat(alicePage, [bob]);
    await alicePage.send('hi bob');
    await open(bobPage, alice);
    await expect.poll(() => timelineTexts(bobPage), eventually).toEqual(['hi bob']);

    await menu(alicePage, `Block ${bob}`);
    await expect.poll(() => alicePage.page.getByTestId('blocked-notice').textContent(), eventually).toContain(`You blocked ${bob}.`);
    expect(await composerOf(alicePage.page).count()).toBe(0);

    // Bob does not know; his message is refused, and his page says so.
    await bobPage.send('are you there?');
    const refused = bubbleOf(bobPage, 'are you there?');
    await expect.poll(() => refused.getAttribute('data-status'), eventually).toBe('failed');
    expect(await refused.textContent()).toMatch(/Not sent: .+/);
    expect(await timelineTexts(alicePage)).toEqual(['hi bob']);

    // In the group they share, Bob's messages reach Alice collapsed; one click shows it.
    await open(bobPage, 'trio');
    await bobPage.send('hello all');
    await open(alicePage, 'trio');
    const collapsed = alicePage.page.getByTestId('messages').getByTestId('blocked-message');
    await expect.poll(() => collapsed.count(), eventually).toBe(1);
    expect(await collapsed.textContent()).toContain('Message from a blocked user');
    expect(await timelineTexts(alicePage)).toEqual([]);
    await collapsed.click();
    await expect.poll(() => timelineTexts(alicePage), eventually).toEqual(['hello all']);

    // Unblocked: the direct chat has its composer back, and the next message goes through.
    await open(alicePage, bob);
    await alicePage.page.getByTestId('blocked-notice').getByRole('button', { name: 'Unblock' }).click();
    await composerOf(alicePage.page).waitFor(eventually);
    await open(bobPage, alice);
    await bobPage.send('back again');
    await expect.poll(() => timelineTexts(alicePage), eventually).toEqual(['hi bob', 'back again']);
  }, 120_000);

  it('reports a message with a reason and confirms it; own messages have no Report', async () => {
    const alicePage = await person('alice');
    const bobPage = await person('bob');
    await startChat(bobPage, [named('alice')]);
    await bobPage.send('buy cheap watches here');
    await alicePage.open(named('bob'));
    await expect.poll(() => timelineTexts(alicePage), eventually).toEqual(['buy cheap watches here']);

    const spam = bubbleOf(alicePage, 'buy cheap watches here');
    await spam.hover();
    await spam.getByRole('button', { name: 'Report…' }).click();
    const dialog = alicePage.page.getByRole('dialog', { name: 'Report message' });
    expect(await dialog.getByRole('button', { name: 'Report' }).isDisabled()).toBe(true);
    await dialog.getByLabel(/Why\?/).fill('spam');
    await dialog.getByRole('button', { name: 'Report' }).click();
    await expect.poll(() => dialog.getByTestId('report-sent').textContent(), eventually).toContain('the moderators got your report');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await dialog.count()).toBe(0);

    const own = bubbleOf(bobPage, 'buy cheap watches here');
    await own.hover();
    expect(await own.getByRole('button', { name: 'Report…' }).count()).toBe(0);
  }, 120_000);
});
