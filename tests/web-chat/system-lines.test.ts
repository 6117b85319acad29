import { describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient } from '@parley/client-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import { startChat, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };

suite('membership lines in the example web chat', () => {
  const { env, named, person } = webChatSuite();

  /** What the timeline shows, top to bottom: system lines as they read, messages as "name: text". */
  const timelineOf = (p: Person) =>
    p.page.getByTestId('messages').locator('[data-testid="system-line"], [data-testid="message"]').evaluateAll((els) =>
      els.map((el) => (el.getAttribute('data-testid') === 'system-line' ? el.textContent : `msg: ${el.querySelector('.text')?.textContent ?? ''}`)));

  /** Another device of a user (Node, the same SDK), to change membership the app has no screen for. */
  const device = async (name: string): Promise<ChatClient> => {
    const userId = named(name);
    const chat = createChatClient({ url: env.server.url, getToken: () => env.server.token(userId), reconnect: { baseMs: 50, maxMs: 300 } });
    await new Promise<void>((done) => {
      const off = chat.subscribe(() => chat.getSnapshot().connection.status === 'online' && (off(), done()));
    });
    return chat;
  };

  it('both people see who created the group, who was added and removed, who left, and who owns it after the owner left', async () => {
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(named) as [string, string, string, string];
    const alicePage = await person('alice');
    const bobPage = await person('bob');
    await startChat(alicePage, [bob, carol], 'team');
    await alicePage.send('hello team');
    await bobPage.open('team');
    const created = `${alice} created the group 'team'`;
    await expect.poll(() => timelineOf(bobPage), eventually).toEqual([created, 'msg: hello team']);

    const alicePhone = await device('alice');
    const carolPhone = await device('carol');
    try {
      const id = await idOf(alicePhone);
      await alicePhone.addMembers(id, [dave]);
      await alicePhone.removeMembers(id, [dave]);
      await carolPhone.removeMembers(id, [carol]);
      const lines = [created, 'msg: hello team', `${alice} added ${dave}`, `${alice} removed ${dave}`, `${carol} left`];
      for (const p of [alicePage, bobPage]) await expect.poll(() => timelineOf(p), eventually).toEqual(lines);

      // The owner leaves: the group is bob's now, and his page says so.
      await alicePhone.removeMembers(id, [alice]);
      await expect.poll(() => timelineOf(bobPage), eventually).toEqual([...lines, `${alice} left`, `ownership passed to ${bob}`]);
      // A line reads as a line: centred, not a bubble, with no actions.
      const line = bobPage.page.getByTestId('system-line').first();
      expect(await line.evaluate((el) => getComputedStyle(el).textAlign)).toBe('center');
      expect(await bobPage.page.getByTestId('messages').getByTestId('message').count()).toBe(1);
    } finally {
      await alicePhone.close();
      await carolPhone.close();
    }
  });

  it('a direct chat shows no "created" line, and a reload keeps the lines (from the cache and the server)', async () => {
    const alicePage = await person('alice');
    await startChat(alicePage, [named('bob')]);
    await alicePage.send('hi bob');
    await expect.poll(() => timelineOf(alicePage), eventually).toEqual(['msg: hi bob']);

    await startChat(alicePage, [named('bob'), named('carol')], 'crew');
    await alicePage.page.reload();
    await alicePage.open('crew');
    await expect.poll(() => timelineOf(alicePage), eventually).toEqual([`${named('alice')} created the group 'crew'`]);
  });
});

/** The one conversation a device holds once its first sync is in. */
async function idOf(chat: ChatClient): Promise<string> {
  await new Promise<void>((done) => {
    if (chat.getSnapshot().conversations.length > 0) return done();
    const off = chat.subscribe(() => chat.getSnapshot().conversations.length > 0 && (off(), done()));
  });
  return chat.getSnapshot().conversations[0]!.id;
}
