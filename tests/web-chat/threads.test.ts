import { describe, expect, it } from 'vitest';
import { createChatClient } from '@parley/client-sdk';
import { browserAvailable } from '../browser/helpers/browser.js';
import { bubbleOf, startChat, timelineOf, timelineTexts, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 20_000 };

suite('threads in the example web chat', () => {
  const { env, named, errors, watched } = webChatSuite();

  const timeline = timelineOf;
  const bubble = bubbleOf;
  const panel = (p: Person) => p.page.getByRole('complementary', { name: 'Thread' });
  const replyTexts = (p: Person) => panel(p).getByTestId('thread-replies').locator('.text').allTextContents();
  const threadComposer = (p: Person) => p.page.getByLabel('Reply in this thread', { exact: true });
  /** The line under a root: "2 replies · last reply 10:42". */
  const summary = async (p: Person, text: string) => {
    const line = bubble(p, text).getByTestId('thread-summary');
    return (await line.count()) === 1 ? line.textContent() : null;
  };

  it('bob replies in a thread: alice sees the reply count on the root and the reply in the panel, and the thread goes on live', async () => {
    errors.length = 0;
    const alice = await watched('alice');
    const bob = await watched('bob');
    await startChat(alice, [named('bob'), named('carol')], 'Outing');
    await alice.send('Where shall we go on Sunday?');
    await alice.send('Ideas welcome');
    await bob.open('Outing');
    await expect.poll(() => timelineTexts(bob), eventually).toEqual(['Where shall we go on Sunday?', 'Ideas welcome']);

    // Bob opens a thread on the question; its composer has the focus.
    await bubble(bob, 'Where shall we go').hover();
    await bubble(bob, 'Where shall we go').getByRole('button', { name: 'Reply in thread', exact: true }).click();
    await expect.poll(() => panel(bob).getByTestId('thread-root').locator('.text').textContent(), eventually).toBe('Where shall we go on Sunday?');
    await expect.poll(() => bob.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), eventually).toBe('Reply in this thread');
    await threadComposer(bob).pressSequentially('The lake');
    await threadComposer(bob).press('Enter');
    await expect.poll(() => replyTexts(bob), eventually).toEqual(['The lake']);

    // Alice: the reply is not in her timeline; the root says so, and opens the thread.
    await expect.poll(() => summary(alice, 'Where shall we go'), eventually).toMatch(/^1 reply · last reply \S/);
    expect(await timelineTexts(alice)).toEqual(['Where shall we go on Sunday?', 'Ideas welcome']);
    await bubble(alice, 'Where shall we go').getByTestId('thread-summary').click();
    await expect.poll(() => replyTexts(alice), eventually).toEqual(['The lake']);

    // Alice answers in the thread: Bob's open panel and his root's count follow.
    await threadComposer(alice).pressSequentially('Deal, the lake it is');
    await threadComposer(alice).press('Enter');
    await expect.poll(() => replyTexts(bob), eventually).toEqual(['The lake', 'Deal, the lake it is']);
    await expect.poll(() => summary(bob, 'Where shall we go'), eventually).toMatch(/^2 replies · last reply /);
    await expect.poll(() => panel(bob).getByTestId('thread-count').textContent(), eventually).toBe('2 replies');
    expect(await timelineTexts(bob)).toEqual(['Where shall we go on Sunday?', 'Ideas welcome']);

    // Escape closes the panel; the main composer has the focus again.
    await threadComposer(bob).press('Escape');
    await expect.poll(() => panel(bob).count(), eventually).toBe(0);
    expect(await bob.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Message');
    expect(errors).toEqual([]);
  });

  it('a thread opened later loads its replies from the server, and reactions and edits work inside it', async () => {
    errors.length = 0;
    const alice = await watched('alice');
    const bob = await watched('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('Photos from the trip?');
    await bob.open(named('alice'));
    await bubble(bob, 'Photos from the trip?').hover();
    await bubble(bob, 'Photos from the trip?').getByRole('button', { name: 'Reply in thread', exact: true }).click();
    for (const text of ['Uploading now', 'Done, 40 of them']) {
      await threadComposer(bob).fill(text);
      await threadComposer(bob).press('Enter');
    }
    await expect.poll(() => summary(alice, 'Photos from the trip?'), eventually).toMatch(/^2 replies/);

    // A fresh page of Alice: nothing of the thread is held until she opens it.
    await alice.page.reload();
    await alice.open(named('bob'));
    await expect.poll(() => summary(alice, 'Photos from the trip?'), eventually).toMatch(/^2 replies/);
    await bubble(alice, 'Photos from the trip?').getByTestId('thread-summary').click();
    await expect.poll(() => replyTexts(alice), eventually).toEqual(['Uploading now', 'Done, 40 of them']);

    // Alice reacts to a reply; Bob edits his last reply with ↑ in the thread's composer.
    const reply = panel(alice).getByTestId('message').filter({ hasText: 'Done, 40 of them' });
    await reply.hover();
    await reply.getByRole('button', { name: 'Add a reaction' }).click();
    await alice.page.getByRole('button', { name: 'React with 🎉' }).click();
    const bobReply = panel(bob).getByTestId('message').filter({ hasText: 'of them' });
    await expect.poll(() => bobReply.getByTestId('reaction').textContent(), eventually).toBe('🎉1');
    await threadComposer(bob).press('ArrowUp');
    await expect.poll(() => threadComposer(bob).inputValue(), eventually).toBe('Done, 40 of them');
    await threadComposer(bob).fill('Done, 41 of them');
    await threadComposer(bob).press('Enter');
    await expect.poll(() => replyTexts(alice), eventually).toEqual(['Uploading now', 'Done, 41 of them']);
    expect(await panel(alice).getByTestId('message').filter({ hasText: 'Done, 41' }).getByTestId('edited').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('a long thread shows its newest replies first and fetches earlier ones on demand', async () => {
    errors.length = 0;
    const replies = Array.from({ length: 36 }, (_, i) => `step ${i + 1}`);
    // Bob writes from a Node client: many replies, quicker than typing them.
    const chat = createChatClient({ url: env.server.url, getToken: () => env.server.token(named('bob')) });
    try {
      const { id } = await chat.openDirect(named('alice'));
      await chat.send(id, 'How do I set up the tent?');
      // A thread hangs off a stored message: its server id.
      await expect.poll(() => chat.getMessages(id)[0]?.id, eventually).toBeDefined();
      const rootId = chat.getMessages(id)[0]!.id!;
      for (const text of replies) await chat.send(id, text, { threadId: rootId });
      await expect.poll(() => chat.getThread(id, rootId).every((m) => m.status === 'sent') && chat.getThread(id, rootId).length, eventually).toBe(36);
    } finally {
      await chat.close();
    }

    const alice = await watched('alice');
    await alice.open(named('bob'));
    await expect.poll(() => summary(alice, 'set up the tent'), eventually).toMatch(/^36 replies/);
    await bubble(alice, 'set up the tent').getByTestId('thread-summary').click();
    // The newest page first (30), then the rest on request, in order.
    await expect.poll(() => replyTexts(alice), eventually).toEqual(replies.slice(-30));
    await panel(alice).getByRole('button', { name: 'Load earlier replies' }).click();
    await expect.poll(() => replyTexts(alice), eventually).toEqual(replies);
    await expect.poll(() => panel(alice).getByRole('button', { name: 'Load earlier replies' }).count(), eventually).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a deleted root keeps its thread: the open panel keeps its composer, and a reply to it reaches the others', async () => {
    errors.length = 0;
    const alice = await watched('alice');
    const bob = await watched('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('Bring snacks?');
    await bob.open(named('alice'));
    await expect.poll(() => timelineTexts(bob), eventually).toEqual(['Bring snacks?']);
    await bubble(bob, 'Bring snacks?').hover();
    await bubble(bob, 'Bring snacks?').getByRole('button', { name: 'Reply in thread', exact: true }).click();
    await threadComposer(bob).pressSequentially('Crisps');
    await threadComposer(bob).press('Enter');
    await expect.poll(() => replyTexts(bob), eventually).toEqual(['Crisps']);

    // Alice deletes the question (from her phone) while Bob has its thread open.
    const phone = createChatClient({ url: env.server.url, getToken: () => env.server.token(named('alice')) });
    try {
      await expect.poll(() => phone.getSnapshot().conversations.length, eventually).toBe(1);
      const id = phone.getSnapshot().conversations[0]!.id;
      await expect.poll(() => phone.getMessages(id)[0]?.id, eventually).toBeDefined();
      await phone.delete(id, phone.getMessages(id)[0]!.id!);
      await expect.poll(() => panel(bob).getByTestId('thread-root').getByTestId('tombstone').count(), eventually).toBe(1);

      // The thread goes on: Bob's reply is stored and counted on both pages.
      await threadComposer(bob).pressSequentially('And drinks');
      await threadComposer(bob).press('Enter');
      await expect.poll(() => replyTexts(bob), eventually).toEqual(['Crisps', 'And drinks']);
      await expect.poll(() => panel(bob).getByTestId('thread-replies').getByTestId('message').evaluateAll((els) => els.map((el) => el.getAttribute('data-status'))), eventually)
        .not.toContain('pending');
      await expect.poll(() => timeline(alice).getByTestId('thread-summary').textContent(), eventually).toMatch(/^2 replies/);
      expect(await panel(bob).getByRole('alert').count()).toBe(0);
    } finally {
      await phone.close();
    }
    expect(errors).toEqual([]);
  });
});
