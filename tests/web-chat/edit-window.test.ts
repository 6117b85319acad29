import { describe, expect, it } from 'vitest';
import { browserAvailable } from '../browser/helpers/browser.js';
import { composerOf, startChat, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };
/** The server's edit window: short, yet long enough to see Edit offered first on a loaded machine. */
const WINDOW_MS = 20_000;

suite('the edit window in the example web chat', () => {
  const { named, person } = webChatSuite({ messages: { editWindowMs: WINDOW_MS } });

  const bubble = (p: Person, text: string) =>
    p.page.getByTestId('messages').getByTestId('message').filter({ has: p.page.locator('.text', { hasText: text }) });
  const editButtons = async (p: Person, text: string) => {
    await bubble(p, text).hover();
    return bubble(p, text).getByRole('button', { name: 'Edit message', exact: true }).count();
  };

  it('offers Edit (and ↑) only while the server would take the edit', async () => {
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    await alice.send('see you at 7');
    await expect.poll(() => alice.tick('see you at 7'), eventually).not.toBe('pending');
    // Stored by now: the server's ts for it is at most this, so its window ends by this + the window.
    const storedBy = Date.now();

    expect(await editButtons(alice, 'see you at 7')).toBe(1);
    const composer = composerOf(alice.page);
    await composer.press('ArrowUp');
    await expect.poll(() => alice.page.getByTestId('edit-draft').count(), eventually).toBe(1);
    await composer.press('Escape');
    await expect.poll(() => alice.page.getByTestId('edit-draft').count(), eventually).toBe(0);

    // Once the window has passed, on the clock, the page drops Edit by itself (no reload, no new message).
    await expect.poll(() => Date.now() > storedBy + WINDOW_MS, { timeout: WINDOW_MS + 20_000, interval: 500 }).toBe(true);
    await expect.poll(() => editButtons(alice, 'see you at 7'), eventually).toBe(0);
    // ↑ in the empty composer skips it: nothing left to edit.
    await composer.focus();
    await composer.press('ArrowUp');
    expect(await alice.page.getByTestId('edit-draft').count()).toBe(0);
    expect(await composer.inputValue()).toBe('');
    // Reply and Delete stay.
    await bubble(alice, 'see you at 7').hover();
    expect(await bubble(alice, 'see you at 7').getByRole('button', { name: 'Delete message', exact: true }).count()).toBe(1);

    // A newer message is editable again, and ↑ finds it.
    await alice.send('see you at 8');
    await expect.poll(() => alice.tick('see you at 8'), eventually).not.toBe('pending');
    expect(await editButtons(alice, 'see you at 8')).toBe(1);
    await composer.press('ArrowUp');
    await expect.poll(() => composer.inputValue(), eventually).toBe('see you at 8');
  }, 120_000);
});
