import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import type { TestServer } from '../helpers/test-server.js';
import { online, texts, waitFor } from '../helpers/sdk.js';
import { browserAvailable } from './helpers/browser.js';
import { browserHarness, messages, send, sent, status, waitMessages, waitStatus } from './helpers/harness.js';

const harness = browserHarness();
const { newContext, nodeClient, openPage } = harness;
const chatServer = (store: ChatStore = createMemoryStore(), port = 0): Promise<TestServer> => harness.chatServer(store, port);

/** The server's log as a new device of `userId` sees it: what was stored, once each. */
async function storedTexts(server: TestServer, userId: string, conversationId: string, count: number): Promise<string[]> {
  const fresh = nodeClient(server, userId);
  await waitFor(fresh, (c) => texts(c, conversationId).length >= count, 10_000, `${count} stored messages`);
  return texts(fresh, conversationId);
}

describe.runIf(browserAvailable())('the client in a real browser (Chromium)', () => {
  beforeAll(() => harness.start());
  afterAll(() => harness.stop());
  afterEach(() => harness.cleanup());

  it('keeps messages sent offline through a reload and delivers each exactly once, in order, when back online', async () => {
    const store = createMemoryStore();
    let server = await chatServer(store);
    const context = await newContext();
    const page = await openPage(context, server);
    await waitStatus(page, ['online']);
    const id = await page.evaluate(async () => (await window.parley.chat.openDirect('bob')).id);
    await send(page, id, 'one');
    await waitMessages(page, id, sent('one'));

    await context.setOffline(true);
    await waitStatus(page, ['offline']);
    await send(page, id, 'two');
    await send(page, id, 'three');
    expect((await messages(page, id)).map((m) => [m.text, m.status])).toEqual([['one', 'sent'], ['two', 'pending'], ['three', 'pending']]);

    // The server goes too, so the reloaded page cannot sneak the messages out before we look.
    const port = Number(new URL(server.url).port);
    await server.close();
    await context.setOffline(false);
    await page.reload();
    await page.waitForFunction(() => window.parley !== undefined);
    await waitMessages(page, id, [{ text: 'one', status: 'sent' }, { text: 'two', status: 'pending' }, { text: 'three', status: 'pending' }]);
    expect(await status(page)).not.toBe('online');

    server = await chatServer(store, port);
    await waitMessages(page, id, sent('one', 'two', 'three'));
    expect(await storedTexts(server, 'bob', id, 3)).toEqual(['one', 'two', 'three']);
    const seqs = (await messages(page, id)).map((m) => m.seq);
    expect(seqs).toEqual([2, 3, 4]);
  });

  it('loses and doubles nothing when the tab holding the connection closes mid-send', async () => {
    const server = await chatServer();
    const context = await newContext();
    const leader = await openPage(context, server);
    await waitStatus(leader, ['online']);
    const follower = await openPage(context, server);
    // The follower shows the leader's connection: it has none of its own.
    await waitStatus(follower, ['online']);
    const id = await follower.evaluate(async () => (await window.parley.chat.openDirect('bob')).id);
    await leader.waitForFunction((c) => window.parley.conversationIds().includes(c), id);
    // Two tabs, one connection: the server sees only the leader.
    expect(server.chat.nsp.sockets.size).toBe(1);

    const fromLeader = Array.from({ length: 5 }, (_, i) => `leader ${i}`);
    const fromFollower = Array.from({ length: 10 }, (_, i) => `follower ${i}`);
    await follower.evaluate(async ([c, list]) => {
      for (const text of list) await window.parley.chat.send(c, text);
    }, [id, fromFollower.slice(0, 5)] as const);
    // In the outbox (send resolved), not necessarily acked: then the tab goes.
    await leader.evaluate(async ([c, list]) => {
      for (const text of list) await window.parley.chat.send(c, text);
    }, [id, fromLeader] as const);
    await leader.close();
    await follower.evaluate(async ([c, list]) => {
      for (const text of list) await window.parley.chat.send(c, text);
    }, [id, fromFollower.slice(5)] as const);

    await follower.waitForFunction(
      ([c, n]) => window.parley.messages(c).filter((m) => m.status === 'sent').length === n && window.parley.messages(c).length === n,
      [id, 15] as const,
      { timeout: 20_000 },
    );
    const shown = (await messages(follower, id)).map((m) => m.text);
    const stored = await storedTexts(server, 'bob', id, 15);
    expect(stored).toEqual(shown);
    expect([...stored].sort()).toEqual([...fromLeader, ...fromFollower].sort());
    // Each tab's messages keep the order they were sent in.
    expect(stored.filter((t) => t.startsWith('leader'))).toEqual(fromLeader);
    expect(stored.filter((t) => t.startsWith('follower'))).toEqual(fromFollower);
  });

  it('shows the cached history at once on a cold start while the server is unreachable', async () => {
    const server = await chatServer();
    const bob = nodeClient(server, 'bob');
    await waitFor(bob, online);
    const { id } = await bob.openDirect('alice');
    const context = await newContext();
    const page = await openPage(context, server);
    await waitStatus(page, ['online']);
    for (const text of ['h1', 'h2', 'h3']) await bob.send(id, text);
    await waitMessages(page, id, sent('h1', 'h2', 'h3'));
    // The cache is written behind the screen: reload once it holds what the page shows.
    const shownSeqs = (await messages(page, id)).map((m) => m.seq);
    for (let i = 0; i < 200; i++) {
      const cached = await page.evaluate((c) => window.parley.cachedSeqs(c), id);
      if (shownSeqs.every((seq) => seq !== undefined && cached.includes(seq))) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    await server.close();
    await page.reload();
    await page.waitForFunction(() => window.parley !== undefined);
    await waitMessages(page, id, sent('h1', 'h2', 'h3'));
    expect((await messages(page, id)).map((m) => m.senderId)).toEqual(['bob', 'bob', 'bob']);
    expect(await page.evaluate((c) => window.parley.conversationIds().includes(c), id)).toBe(true);
    expect(['connecting', 'reconnecting']).toContain(await status(page));

    await context.setOffline(true);
    await waitStatus(page, ['offline']);
    expect((await messages(page, id)).map((m) => m.text)).toEqual(['h1', 'h2', 'h3']);
  });
});
