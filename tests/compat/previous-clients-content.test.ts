import { describe, expect, it } from 'vitest';
import { until } from '../helpers/fixtures.js';
import { testScope } from '../helpers/scope.js';
import { online, sentTexts, waitFor } from '../helpers/sdk.js';
import { loadReleaseClient, type ReleaseChatClient, type ReleaseClientOptions } from './releases.js';

// Protocol 4 added message content (app data, mentions, replies). The protocol-3 app is still
// out there: it must keep receiving the text of every message, in order, with no frame it cannot
// parse and no hole in its log, whatever its correspondents' newer apps send.

const LONG = 60_000;

/** The protocol-3 memory storage, as far as this test reads it (the release's own API). */
interface OldStorage {
  events: { list(conversationId: string): Promise<{ seq: number }[]> };
  cursors: { list(): Promise<Record<string, number>> };
}

describe('a protocol-3 client receiving messages with content from a current client', () => {
  const scope = testScope();

  it('gets the text of each one, live and by sync, drops no frame and keeps its log contiguous', async () => {
    const mod = await loadReleaseClient('protocol-3');
    const server = await scope.server();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error: (m: string) => warnings.push(m), warn: (m: string) => warnings.push(m) };
    const oldClient = (userId: string): { chat: ReleaseChatClient; storage: OldStorage } => {
      const storage = mod.createMemoryStorage() as OldStorage;
      const options: ReleaseClientOptions & { logger: typeof logger } = {
        url: server.url, getToken: () => server.token(userId), storage, deviceId: `${userId}-old`, reconnect: { baseMs: 50, maxMs: 300 }, logger,
      };
      return { chat: scope.adopt(mod.createChatClient(options)), storage };
    };
    const bob = scope.client(server, 'bob');
    const carol = oldClient('carol');
    await waitFor(bob, online, LONG, 'bob online');
    await until(() => carol.chat.getSnapshot().connection.status === 'online', LONG, 'the protocol-3 client online');
    const { id } = await bob.createGroup({ title: 'content', members: ['carol', 'dave'] });
    // The release's snapshot lists conversations too (releases.ts types only what other tests read).
    const listed = () => (carol.chat.getSnapshot() as { conversations?: readonly { id: string }[] }).conversations ?? [];
    await until(() => listed().some((c) => c.id === id), LONG, 'carol sees the group');

    await bob.send(id, 'plain');
    await bob.send(id, { text: 'your order', custom: { kind: 'order', orderId: 'A-1042' } });
    await bob.send(id, '@carol look', { mentions: ['carol'] });
    await waitFor(bob, (c) => c.getMessages(id).find((m) => m.text === 'plain')?.id !== undefined, LONG, 'plain stored');
    const quoted = bob.getMessages(id).find((m) => m.text === 'plain')!.id!;
    await bob.send(id, 'replying', { replyTo: quoted, mentions: ['carol', 'dave'] });
    await bob.send(id, { custom: { kind: 'poll', question: 'lunch?' } });
    await bob.send(id, 'last');
    const expected = ['plain', 'your order', '@carol look', 'replying', 'last'];
    await waitFor(bob, (c) => sentTexts(c, id).length === expected.length + 1, LONG, 'bob`s messages stored');
    const lastSeq = Math.max(...bob.getMessages(id).map((m) => m.seq ?? 0));

    // dave's protocol-3 app starts afterwards: it gets everything by sync.
    const dave = oldClient('dave');
    for (const { chat, storage } of [carol, dave]) {
      const received = () => chat.getMessages(id).map((m) => m.text);
      await until(() => received().includes('last'), LONG, () => `the protocol-3 client to receive them; holds ${JSON.stringify(received())}`);
      expect(received()).toEqual(expected);
      // Every seq up to the last is held: the message it has no form for is a placeholder, not a hole.
      await until(async () => (await storage.cursors.list())[id] === lastSeq, LONG, async () => `cursor at ${lastSeq}; ${JSON.stringify(await storage.cursors.list())}`);
      const seqs = (await storage.events.list(id)).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    }
    expect(warnings).toEqual([]);
  }, 3 * LONG);
});
