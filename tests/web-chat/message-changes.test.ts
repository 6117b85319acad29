import { describe, expect, it } from 'vitest';
import { createChatClient } from '@parley/client-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import { bubbleOf, composerOf, startChat, timelineOf, timelineTexts, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };

suite('editing, deleting and reacting to messages in the example web chat', () => {
  const { env, named, errors, watched } = webChatSuite();

  const timeline = timelineOf;
  const bubble = bubbleOf;
  /** What a message shows: its text, and "(edited)" once edited. */
  const shown = async (p: Person, text: string) => {
    const b = bubble(p, text);
    if ((await b.count()) !== 1) return null;
    return `${await b.locator('.text').textContent()}${(await b.getByTestId('edited').count()) > 0 ? ' (edited)' : ''}`;
  };
  /** The reaction chips of a message: key, count, and * when they are this person's. */
  const chips = (p: Person, text: string) =>
    bubble(p, text).getByTestId('reaction').evaluateAll((els) =>
      els.map((el) => `${el.textContent}${el.getAttribute('aria-pressed') === 'true' ? '*' : ''}`));
  const tombstones = (p: Person) => timeline(p).getByTestId('tombstone').allTextContents();
  const action = async (p: Person, text: string, name: string) => {
    await bubble(p, text).hover();
    await bubble(p, text).getByRole('button', { name, exact: true }).click();
  };

  /** Alice and Bob in a direct chat, both looking at it, after Alice said `first`. */
  async function chatting(first: string): Promise<{ alice: Person; bob: Person }> {
    const alice = await watched('alice');
    const bob = await watched('bob');
    await startChat(alice, [named('bob')]);
    await alice.send(first);
    await bob.open(named('alice'));
    await expect.poll(() => timelineTexts(bob), eventually).toEqual([first]);
    return { alice, bob };
  }

  it('alice edits a message inline: bob sees the new words marked (edited); Escape gives back her draft', async () => {
    errors.length = 0;
    const { alice, bob } = await chatting('See you at 7');
    const composer = composerOf(alice.page);

    // Escape: nothing changes, and the words she had begun come back.
    await composer.fill('half a thought');
    await action(alice, 'See you at 7', 'Edit message');
    await expect.poll(() => composer.inputValue(), eventually).toBe('See you at 7');
    await expect.poll(() => alice.page.getByTestId('edit-draft').count(), eventually).toBe(1);
    await composer.press('Escape');
    await expect.poll(() => composer.inputValue(), eventually).toBe('half a thought');
    expect(await alice.page.getByTestId('edit-draft').count()).toBe(0);
    expect(await shown(alice, 'See you at 7')).toBe('See you at 7');

    // Enter saves: the words change in place, on both pages, and her draft is back.
    await action(alice, 'See you at 7', 'Edit message');
    await expect.poll(() => composer.inputValue(), eventually).toBe('See you at 7');
    await composer.fill('See you at 8');
    await composer.press('Enter');
    await expect.poll(() => shown(alice, 'See you at 8'), eventually).toBe('See you at 8 (edited)');
    await expect.poll(() => composer.inputValue(), eventually).toBe('half a thought');
    await expect.poll(() => shown(bob, 'See you at 8'), eventually).toBe('See you at 8 (edited)');
    expect(await timelineTexts(bob)).toEqual(['See you at 8']);
    // Bob may not edit Alice's words: his page offers no Edit on them.
    await bubble(bob, 'See you at 8').hover();
    expect(await bubble(bob, 'See you at 8').getByRole('button', { name: 'Edit message' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('↑ in an empty composer edits the last own message', async () => {
    errors.length = 0;
    const { alice, bob } = await chatting('first');
    await alice.send('second');
    await bob.send('from bob');
    await expect.poll(() => timelineTexts(alice), eventually).toEqual(['first', 'second', 'from bob']);

    const composer = composerOf(alice.page);
    await composer.press('ArrowUp');
    await expect.poll(() => composer.inputValue(), eventually).toBe('second');
    await composer.press('End');
    await composer.pressSequentially(', corrected');
    await composer.press('Enter');
    await expect.poll(() => timelineTexts(bob), eventually).toEqual(['first', 'second, corrected', 'from bob']);
    expect(await shown(bob, 'second, corrected')).toBe('second, corrected (edited)');
    expect(await shown(bob, 'first')).toBe('first');
    expect(await composer.inputValue()).toBe('');
    expect(errors).toEqual([]);
  });

  it('an edit in the browser changes the words only: the message keeps the app data it carries', async () => {
    errors.length = 0;
    // Alice's other device (an app) sends words with app data; her browser edits the words.
    const device = createChatClient({ url: env.server.url, getToken: () => env.server.token(named('alice')) });
    try {
      const { id } = await device.openDirect(named('bob'));
      await device.send(id, { text: 'Order A-1042 shipped', custom: { kind: 'order', orderId: 'A-1042' } });
      await expect.poll(() => device.getMessages(id)[0]?.status, eventually).toBe('sent');
      const alice = await watched('alice');
      await alice.open(named('bob'));
      await action(alice, 'Order A-1042 shipped', 'Edit message');
      await composerOf(alice.page).fill('Order A-1042 shipped today');
      await composerOf(alice.page).press('Enter');
      await expect.poll(() => shown(alice, 'shipped today'), eventually).toBe('Order A-1042 shipped today (edited)');
      await expect.poll(() => device.getMessages(id)[0]?.text, eventually).toBe('Order A-1042 shipped today');
      expect(device.getMessages(id)[0]?.custom).toEqual({ kind: 'order', orderId: 'A-1042' });
    } finally {
      await device.close();
    }
    expect(errors).toEqual([]);
  });

  it('a delete asks first, then leaves "Message deleted" on both pages; a group owner may delete anyone\'s', async () => {
    errors.length = 0;
    const alice = await watched('alice');
    const bob = await watched('bob');
    await startChat(alice, [named('bob')], 'Plans');
    await alice.send('oops, wrong chat');
    await bob.open('Plans');
    await bob.send('bob was here');
    await expect.poll(() => timelineTexts(alice), eventually).toEqual(['oops, wrong chat', 'bob was here']);

    // Cancel keeps the message.
    await action(alice, 'oops, wrong chat', 'Delete message');
    const dialog = alice.page.getByRole('alertdialog', { name: 'Delete your message?' });
    await expect.poll(() => dialog.textContent(), eventually).toContain('oops, wrong chat');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await dialog.count()).toBe(0);
    expect(await timelineTexts(alice)).toEqual(['oops, wrong chat', 'bob was here']);

    await action(alice, 'oops, wrong chat', 'Delete message');
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => tombstones(alice), eventually).toEqual(['Message deleted']);
    await expect.poll(() => tombstones(bob), eventually).toEqual(['Message deleted']);
    expect(await timelineTexts(bob)).toEqual(['bob was here']);
    // The tombstone keeps its place: first, before Bob's message.
    expect(await timeline(bob).first().getByTestId('tombstone').count()).toBe(1);

    // Alice owns the group: she may delete Bob's message; Bob may not delete hers.
    await alice.send('still here');
    await expect.poll(() => timelineTexts(bob), eventually).toEqual(['bob was here', 'still here']);
    await bubble(bob, 'still here').hover();
    expect(await bubble(bob, 'still here').getByRole('button', { name: 'Delete message' }).count()).toBe(0);
    await action(alice, 'bob was here', 'Delete message');
    await alice.page.getByRole('alertdialog', { name: `Delete ${named('bob')}'s message?` }).getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => tombstones(bob), eventually).toEqual(['Message deleted', 'Message deleted']);
    expect(await timelineTexts(bob)).toEqual(['still here']);
    expect(errors).toEqual([]);
  });

  it('reactions toggle from the picker and the chips, with counts and who reacted on both pages', async () => {
    errors.length = 0;
    const { alice, bob } = await chatting('Pizza tonight?');

    await action(bob, 'Pizza tonight?', 'Add a reaction');
    await bob.page.getByRole('group', { name: 'Pick a reaction' }).getByRole('button', { name: 'React with 👍' }).click();
    await expect.poll(() => chips(bob, 'Pizza tonight?'), eventually).toEqual(['👍1*']);
    await expect.poll(() => chips(alice, 'Pizza tonight?'), eventually).toEqual(['👍1']);
    expect(await bubble(alice, 'Pizza tonight?').getByTestId('reaction').getAttribute('title')).toBe(`${named('bob')} reacted with 👍`);

    // Alice joins in with a click on the chip.
    await bubble(alice, 'Pizza tonight?').getByTestId('reaction').click();
    await expect.poll(() => chips(alice, 'Pizza tonight?'), eventually).toEqual(['👍2*']);
    await expect.poll(() => chips(bob, 'Pizza tonight?'), eventually).toEqual(['👍2*']);
    expect(await bubble(bob, 'Pizza tonight?').getByTestId('reaction').getAttribute('title')).toBe(`you and ${named('alice')} reacted with 👍`);

    // Bob takes his back; Alice adds 🎉 with the keyboard only.
    await bubble(bob, 'Pizza tonight?').getByTestId('reaction').click();
    await expect.poll(() => chips(alice, 'Pizza tonight?'), eventually).toEqual(['👍1*']);
    // One Tab stop per message (its first action), the arrows move along its toolbar.
    await bubble(alice, 'Pizza tonight?').getByRole('button', { name: `Reply to ${named('alice')}` }).focus();
    const focusedLabel = () => alice.page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    await alice.page.keyboard.press('ArrowRight');
    await alice.page.keyboard.press('ArrowRight');
    await expect.poll(focusedLabel, eventually).toBe('Add a reaction');
    await alice.page.keyboard.press('Enter');
    await expect.poll(focusedLabel, eventually).toBe('Remove 👍');
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight']) await alice.page.keyboard.press(key);
    await expect.poll(focusedLabel, eventually).toBe('React with 🎉');
    await alice.page.keyboard.press('Enter');
    await expect.poll(() => chips(bob, 'Pizza tonight?'), eventually).toEqual(['👍1', '🎉1']);
    expect(await chips(alice, 'Pizza tonight?')).toEqual(['👍1*', '🎉1*']);
    // The picker closed and gave the focus back to where it opened.
    expect(await alice.page.getByRole('group', { name: 'Pick a reaction' }).count()).toBe(0);
    expect(await focusedLabel()).toBe('Add a reaction');
    expect(errors).toEqual([]);
  });

  it('a change the server refuses shows under the message, and Dismiss lets it go', async () => {
    errors.length = 0;
    const { alice, bob } = await chatting('Vote: Friday or Saturday?');
    await expect.poll(() => alice.tick('Vote: Friday'), eventually).not.toBe('pending');

    // Bob reacts offline; meanwhile Alice deletes the message: his reaction can no longer be stored.
    await bob.context.setOffline(true);
    await expect.poll(() => bob.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
    await action(bob, 'Vote: Friday', 'Add a reaction');
    await bob.page.getByRole('button', { name: 'React with 🎉' }).click();
    await expect.poll(() => chips(bob, 'Vote: Friday'), eventually).toEqual(['🎉1*']);
    await action(alice, 'Vote: Friday', 'Delete message');
    await alice.page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => tombstones(alice), eventually).toEqual(['Message deleted']);

    await bob.context.setOffline(false);
    await expect.poll(() => tombstones(bob), eventually).toEqual(['Message deleted']);
    const failed = timeline(bob).getByTestId('failed-change');
    await expect.poll(() => failed.textContent(), eventually).toMatch(/^🎉 not added: .+/);
    await failed.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => failed.count(), eventually).toBe(0);
    expect(errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  });

  it('an edit made offline shows at once, and reaches the other page once the network returns', async () => {
    errors.length = 0;
    const { alice, bob } = await chatting('Meet at the station');
    await expect.poll(() => alice.tick('Meet at the station'), eventually).not.toBe('pending');

    await alice.context.setOffline(true);
    await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
    const composer = composerOf(alice.page);
    await composer.press('ArrowUp');
    await expect.poll(() => composer.inputValue(), eventually).toBe('Meet at the station');
    await composer.fill('Meet at the cafe');
    await composer.press('Enter');
    await expect.poll(() => shown(alice, 'Meet at the cafe'), eventually).toBe('Meet at the cafe (edited)');
    expect(await shown(bob, 'Meet at the station')).toBe('Meet at the station');

    await alice.context.setOffline(false);
    await expect.poll(() => shown(bob, 'Meet at the cafe'), eventually).toBe('Meet at the cafe (edited)');
    expect(await timelineTexts(bob)).toEqual(['Meet at the cafe']);
    expect(errors.filter((e) => !/WebSocket|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  });
});
