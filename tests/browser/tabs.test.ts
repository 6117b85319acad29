import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createMemoryStore } from '@parley/server-sdk';
import type { TestServer } from '../helpers/test-server.js';
import { online, waitFor } from '../helpers/sdk.js';
import { browserAvailable } from './helpers/browser.js';
import { browserHarness, send, sent, waitMessages, waitStatus } from './helpers/harness.js';

const harness = browserHarness();

/** Resolves once `check` holds, asking again as the servers and pages move on. */
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const socketIds = (server: TestServer) => new Set(server.chat.nsp.sockets.keys());

/** Closes the leading tab and waits until another tab of the origin holds a new connection. */
async function closeLeader(server: TestServer, leader: Page): Promise<void> {
  const before = socketIds(server);
  await leader.close();
  await until(() => server.chat.nsp.sockets.size === before.size && [...socketIds(server)].some((id) => !before.has(id)), 'a new leader connection');
}

/** Three tabs of alice's app on one origin: the first leads, the other two follow on its one connection. */
async function threeTabs(server: TestServer): Promise<[Page, Page, Page]> {
  const others = server.chat.nsp.sockets.size;
  const context = await harness.newContext();
  const tabs: Page[] = [];
  for (let i = 0; i < 3; i += 1) {
    const tab = await harness.openPage(context, server);
    await waitStatus(tab, ['online']);
    tabs.push(tab);
  }
  expect(server.chat.nsp.sockets.size).toBe(others + 1);
  return tabs as [Page, Page, Page];
}

describe.runIf(browserAvailable())('tabs of one app in a real browser (Chromium)', () => {
  beforeAll(() => harness.start());
  afterAll(() => harness.stop());
  afterEach(() => harness.cleanup());

  it('a follower tab keeps live push for a large conversation across a leader change', async () => {
    // Above two members, live events reach watching connections only.
    const server = await harness.chatServer(createMemoryStore(), 0, { fanoutThreshold: 2 });
    const bob = harness.nodeClient(server, 'bob');
    await waitFor(bob, online);
    const [leader, , follower] = await threeTabs(server);
    const id = await follower.evaluate(async () => (await window.parley.chat.createGroup({ title: 'big', members: ['bob', 'carol'] })).id);
    await follower.evaluate((c) => window.parley.chat.watch([c]), id);
    await bob.send(id, 'before');
    await waitMessages(follower, id, sent('before'));

    await closeLeader(server, leader);
    // The new leader's connection watches what the follower shows (no sync would bring `after`).
    await until(() => (server.chat.nsp.adapter.rooms.get(`watch:${id}`)?.size ?? 0) === 1, 'the conversation watched again');
    await bob.send(id, 'after');
    await waitMessages(follower, id, sent('before', 'after'));
  });

  it('a follower shows typing and presence', async () => {
    const server = await harness.chatServer();
    const bob = harness.nodeClient(server, 'bob');
    await waitFor(bob, online);
    const [, follower] = await threeTabs(server);
    const id = await follower.evaluate(async () => (await window.parley.chat.openDirect('bob')).id);
    const denied = await follower.evaluate(async () => (await window.parley.chat.subscribePresence(['bob'])).denied);
    expect(denied).toEqual([]);
    await follower.waitForFunction(() => window.parley.chat.getSnapshot().presence['bob']?.status === 'online', undefined, { timeout: 15_000 });

    await waitFor(bob, (c) => c.getConversation(id) !== undefined);
    bob.typing(id);
    await follower.waitForFunction((c) => window.parley.chat.getSnapshot().typing[c]?.includes('bob') === true, id, { timeout: 15_000 });
    await bob.send(id, 'hi');
    // Bob's message ends his typing indicator, in the follower too.
    await follower.waitForFunction((c) => window.parley.chat.getSnapshot().typing[c] === undefined, id, { timeout: 15_000 });
  });

  it('a forwarded call in flight when the leader closes is answered by the next leader', async () => {
    const store = createMemoryStore();
    let server = await harness.chatServer(store);
    const [leader, , follower] = await threeTabs(server);
    // With the server gone, the leader holds the forwarded call until it is back.
    const port = Number(new URL(server.url).port);
    await server.close();
    await waitStatus(follower, ['reconnecting']);
    const answer = follower.evaluate(() => window.parley.chat.openDirect('bob').then((c) => c.id, (e: { code?: number }) => `failed ${String(e.code)}`));
    await leader.close();
    server = await harness.chatServer(store, port);
    const id = await answer;
    expect(id).not.toMatch(/^failed/);
    await waitStatus(follower, ['online']);
    await send(follower, id, 'hello');
    await waitMessages(follower, id, sent('hello'));
  });
});
