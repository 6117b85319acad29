import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, createChatClient, createMemoryStorage, type ChatClient, type ClientStorage, type MessageView } from '@parley/client-sdk';
import { createFileStorage } from '@parley/client-sdk/node';
import { until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';
import { online, sentTexts, waitFor } from './helpers/sdk.js';
import { loadReleaseClient, releaseFile } from './compat/releases.js';
import type { TestServer } from './helpers/test-server.js';

const dirs: string[] = [];
// Registered before the scope's, so it runs after it (hooks run last first): clients and their storage close first.
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const scope = testScope();

/** What a user sees of a message's content, the same on every device once stored. */
const content = ({ seq, senderId, text, custom, mentions, replyTo }: MessageView) => ({ seq, senderId, text, custom, mentions, replyTo });
const stored = (chat: ChatClient, id: string) => chat.getMessages(id).filter((m) => m.status === 'sent');

/** A client that does not connect until told to: what it sends meanwhile waits in its outbox. */
function offlineClient(s: TestServer, userId: string, storage: ClientStorage, deviceId: string): ChatClient {
  const chat = createChatClient({
    url: s.url, getToken: () => s.token(userId), storage, deviceId, autoConnect: false, reconnect: { baseMs: 50, maxMs: 300 }, ackTimeoutMs: 2000,
  });
  scope.adopt(chat);
  return chat;
}

describe('message content through the client SDK', () => {
  it('delivers custom data, mentions and replies queued offline once, in order with plain sends, the same on every device', async () => {
    const s = await scope.server();
    const storage = createMemoryStorage();
    const phone = scope.client(s, 'alice', { storage, deviceId: 'alice-phone' });
    const laptop = scope.client(s, 'alice', { deviceId: 'alice-laptop' });
    const bob = scope.client(s, 'bob');
    const carol = scope.client(s, 'carol');
    for (const c of [phone, laptop, bob, carol]) await waitFor(c, online);
    const { id } = await phone.createGroup({ title: 'team', members: ['bob', 'carol'] });
    // The quote's cut falls inside an emoji: the pair is never halved.
    const long = `${'x'.repeat(199)}👋 and more`;
    await bob.send(id, long);
    await waitFor(phone, (c) => sentTexts(c, id).includes(long), 10_000, 'the message to quote');
    const quoted = phone.getMessages(id)[0]!;
    // The cache is written off the hot path: the next start shows what it holds by then.
    await until(async () => ((await storage.cursors.list())[id] ?? 0) >= quoted.seq!, 10_000, 'the cache to hold the message');
    phone.close();

    const offline = offlineClient(s, 'alice', storage, 'alice-phone');
    await offline.send(id, 'one');
    await offline.send(id, { custom: { kind: 'order', orderId: 'A-1042' } });
    const reply = await offline.send(id, { text: 'on it @bob', custom: { priority: 2 } }, { replyTo: quoted.id!, mentions: ['bob'] });
    await offline.send(id, 'two');
    // Shown at once, with the quote the client could make from what it holds.
    const quote = { messageId: quoted.id, seq: quoted.seq, senderId: 'bob', preview: 'x'.repeat(199) };
    expect(reply).toMatchObject({ status: 'pending', text: 'on it @bob', custom: { priority: 2 }, mentions: ['bob'], mentionsMe: false, replyTo: quote });
    expect(offline.getMessages(id).map((m) => m.status)).toEqual(['sent', 'pending', 'pending', 'pending', 'pending']);

    offline.connect();
    const devices = [offline, laptop, bob, carol];
    for (const c of devices) await waitFor(c, (x) => stored(x, id).length === 5, 10_000, 'the four messages');
    const expected = [
      { senderId: 'bob', text: long },
      { senderId: 'alice', text: 'one' },
      { senderId: 'alice', text: undefined, custom: { kind: 'order', orderId: 'A-1042' } },
      { senderId: 'alice', text: 'on it @bob', custom: { priority: 2 }, mentions: ['bob'], replyTo: quote },
      { senderId: 'alice', text: 'two' },
    ];
    for (const c of devices) {
      expect(stored(c, id).map(content)).toMatchObject(expected);
      expect(stored(c, id).map(content)).toEqual(stored(bob, id).map(content));
    }
    const log = (await s.store.readAfter(id, 0, 100)).filter((e) => e.kind === 'message');
    expect(log).toHaveLength(5);

    // Bob is mentioned once; carol is not; reading clears bob's count.
    expect(bob.getMessages(id).map((m) => m.mentionsMe)).toEqual([false, false, false, true, false]);
    expect(bob.getConversation(id)).toMatchObject({ unread: 4, unreadMentions: 1 });
    expect(carol.getConversation(id)).toMatchObject({ unread: 5, unreadMentions: 0 });
    const bobTablet = scope.client(s, 'bob', { deviceId: 'bob-tablet' });
    await waitFor(bobTablet, (c) => c.getConversation(id)?.unreadMentions === 1, 10_000, "the server's count on a new device");
    bob.markRead(id);
    expect(bob.getConversation(id)).toMatchObject({ unread: 0, unreadMentions: 0 });
    await waitFor(bobTablet, (c) => c.getConversation(id)?.unreadMentions === 0, 10_000, 'the read on the other device');
  });

  it('refuses bad content at once and stores nothing; the server refuses outsiders and foreign replies visibly', async () => {
    const s = await scope.server();
    const storage = createMemoryStorage();
    const alice = scope.client(s, 'alice', { storage });
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    const other = await alice.openDirect('carol');
    const elsewhere = await alice.send(other.id, 'in another conversation');
    await waitFor(alice, (c) => c.getMessages(other.id)[0]?.status === 'sent', 10_000, 'ack');

    const refusal = await alice.send(id, { custom: { blob: 'x'.repeat(5_000) } }).catch((err: unknown) => err);
    expect(refusal).toMatchObject({ code: ErrorCode.BAD_FRAME, message: expect.stringMatching(/^Custom data can be at most 4,096 bytes/) });
    expect(alice.getMessages(id)).toEqual([]);
    expect(await storage.outbox.list()).toEqual([]);

    const outsider = await alice.send(id, 'hi @carol', { mentions: ['carol'] });
    const foreign = await alice.send(id, 'quoting', { replyTo: alice.getMessages(other.id)[0]!.id! });
    await waitFor(alice, (c) => c.getMessages(id).every((m) => m.status === 'failed'), 10_000, 'both refused');
    expect(alice.getMessages(id).map((m) => [m.key, m.error?.code, m.error?.message])).toEqual([
      [outsider.key, ErrorCode.FORBIDDEN, 'you can mention members only'],
      [foreign.key, ErrorCode.NOT_FOUND, expect.any(String)],
    ]);
    expect((await s.store.readAfter(id, 0, 100)).filter((e) => e.kind === 'message')).toEqual([]);
    expect(elsewhere.text).toBe('in another conversation');
  });

  it('shows a reply to a message it never loaded with the quote the server stored, like every other device', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    for (let i = 0; i < 60; i++) await alice.send(id, `m${i}`);
    await waitFor(bob, (c) => stored(c, id).length === 60, 10_000, 'the history');
    const first = stored(bob, id)[0]!;
    // A new device holds the tail only: the quoted message is not among what it loaded.
    const laptop = scope.client(s, 'alice', { deviceId: 'alice-laptop' });
    await waitFor(laptop, (c) => stored(c, id).length > 0, 10_000, 'the tail');
    expect(laptop.getMessages(id).some((m) => m.id === first.id)).toBe(false);
    const reply = await laptop.send(id, 'about the first one', { replyTo: first.id! });
    expect(reply.replyTo).toEqual({ messageId: first.id });
    const quote = { messageId: first.id, seq: first.seq, senderId: 'alice', preview: 'm0' };
    await waitFor(laptop, (c) => c.getMessages(id).at(-1)?.status === 'sent', 10_000, 'the stored reply');
    expect(laptop.getMessages(id).at(-1)).toMatchObject({ key: reply.key, text: 'about the first one', replyTo: quote });
    await waitFor(bob, (c) => stored(c, id).length === 61, 10_000, 'the reply');
    expect(stored(bob, id).at(-1)?.replyTo).toEqual(quote);
  });

  it("sends the outbox the previous release's file storage wrote, once and in order, before new content", async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    const dir = mkdtempSync(join(tmpdir(), 'parley-p3-outbox-'));
    dirs.push(dir);

    // The protocol-3 app, its server unreachable: the sends wait in its file journal.
    const { createFileStorage: createReleaseFileStorage } = (await import(pathToFileURL(releaseFile('protocol-3', 'client-node.mjs')).href)) as {
      createFileStorage(options: { dir: string }): { close(): Promise<void> };
    };
    const release = await loadReleaseClient('protocol-3');
    const oldStorage = createReleaseFileStorage({ dir });
    const old = release.createChatClient({ url: 'http://127.0.0.1:9', getToken: () => s.token('alice'), storage: oldStorage, deviceId: 'alice-bot' });
    for (const text of ['old 1', 'old 2', 'old 3']) await old.send(id, text);
    old.close();
    await oldStorage.close();

    // The updated app opens the same directory and adds a message with new content.
    const updated = scope.client(s, 'alice', { storage: scope.adopt(createFileStorage({ dir })), deviceId: 'alice-bot' });
    await updated.send(id, { text: 'new', custom: { v: 4 } }, { mentions: ['bob'] });
    await waitFor(bob, (c) => stored(c, id).length === 4, 10_000, 'the old outbox and the new message');
    expect(stored(bob, id).map(content)).toMatchObject([
      { text: 'old 1' }, { text: 'old 2' }, { text: 'old 3' }, { text: 'new', custom: { v: 4 }, mentions: ['bob'] },
    ]);
    expect((await s.store.readAfter(id, 0, 100)).filter((e) => e.kind === 'message')).toHaveLength(4);
    await waitFor(updated, (c) => c.getMessages(id).every((m) => m.status === 'sent'), 10_000, 'all acked on the bot');
  });
});
