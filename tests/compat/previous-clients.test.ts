import { describe, expect, it } from 'vitest';
import type { ChatStore } from '@parley/server-sdk';
import { until } from '../helpers/fixtures.js';
import { testScope } from '../helpers/scope.js';
import { online, texts, waitFor } from '../helpers/sdk.js';
import { startTestServer } from '../helpers/test-server.js';
import { loadReleaseClient, releaseClient, type ReleaseChatClient, type ReleaseName } from './releases.js';

// The clients of the previous releases, run from their committed snapshots, against today's
// server: during a rolling deploy (and for months after) they are still out there, some with an
// outbox written while they were offline.

const LONG = 60_000;
const TEST_TIMEOUT = 3 * LONG;
const DEV_SECRET = 'compat-previous-clients-dev-secret';
// Protocol 5 first: the previous release's app, the most common one during the deploy.
const RELEASES: readonly ReleaseName[] = ['protocol-8', 'protocol-7', 'protocol-6', 'protocol-5', 'protocol-4', 'protocol-3', 'protocol-2'];

/** What one user's messages in a conversation look like in the current server's store, by seq. */
async function storedFrom(store: ChatStore, conversationId: string, senderId: string): Promise<{ text: string; clientMsgId: string }[]> {
  const events = await store.readAfter(conversationId, 0, 1000);
  return events.flatMap((e) => (e.kind === 'message' && e.senderId === senderId ? [{ text: e.data.text ?? '', clientMsgId: e.clientMsgId }] : []));
}

const connection = (chat: ReleaseChatClient) => JSON.stringify(chat.getSnapshot().connection);
const sentByOld = (chat: ReleaseChatClient, conversationId: string) =>
  chat.getMessages(conversationId).filter((m) => m.senderId === 'alice' && m.status === 'sent').map((m) => m.text);

describe.each(RELEASES)('a %s client against the current server', (release) => {
  const scope = testScope();

  it('delivers the outbox it queued while the server was down: every message once, in order', async () => {
    const mod = await loadReleaseClient(release);
    const first = scope.adopt(await startTestServer({ keepStoreOpen: true, devSecret: DEV_SECRET }));
    const bob = scope.client(first, 'bob');
    await waitFor(bob, online, LONG, 'bob online');
    const group = await bob.createGroup({ title: `compat ${release}`, members: ['alice', 'carol'] });
    const direct = await bob.openDirect('alice');
    await first.close();

    // Created against the server's address while nothing listens there: all of it is outbox.
    const alice = scope.adopt(releaseClient(mod, first, 'alice'));
    const sent = new Map<string, { text: string; clientMsgId: string }[]>([[group.id, []], [direct.id, []]]);
    for (let i = 0; i < 24; i++) {
      const conversationId = i % 3 === 0 ? direct.id : group.id;
      const view = await alice.send(conversationId, `${release} offline ${i}`);
      expect(view.status).toBe('pending');
      sent.get(conversationId)!.push({ text: view.text, clientMsgId: view.clientMsgId! });
    }

    const second = await scope.server({ port: Number(new URL(first.url).port), store: first.store, devSecret: DEV_SECRET });
    for (const [conversationId, expected] of sent) {
      await until(async () => (await storedFrom(second.store, conversationId, 'alice')).length >= expected.length, LONG, () => `the outbox stored; alice ${connection(alice)}`);
      expect(await storedFrom(second.store, conversationId, 'alice')).toEqual(expected);
      const want = expected.map((m) => m.text);
      await until(() => sentByOld(alice, conversationId).length === want.length, LONG, () => `alice to see her messages sent; ${connection(alice)}`);
      expect(sentByOld(alice, conversationId)).toEqual(want);
      await waitFor(bob, (c) => texts(c, conversationId).filter((t) => t.startsWith(`${release} offline`)).length === want.length, LONG, 'bob to receive them');
      expect(texts(bob, conversationId)).toEqual(want);
    }
  }, TEST_TIMEOUT);

  it('exchanges live messages, receipts and typing with a current client, both ways', async () => {
    const mod = await loadReleaseClient(release);
    const server = await scope.server();
    const alice = scope.adopt(releaseClient(mod, server, 'alice'));
    const bob = scope.client(server, 'bob');
    await until(() => alice.getSnapshot().connection.status === 'online', LONG, () => `the ${release} client online; ${connection(alice)}`);
    await waitFor(bob, online, LONG, 'bob online');
    const { id } = await alice.createGroup({ title: 'live', members: ['bob'] });

    await alice.send(id, 'from the old client');
    await waitFor(bob, (c) => texts(c, id).includes('from the old client'), LONG, 'bob to receive the old client message');
    await bob.send(id, 'from the current client');
    await until(() => alice.getMessages(id).some((m) => m.senderId === 'bob' && m.text === 'from the current client'), LONG, 'alice to receive it');

    bob.markRead(id);
    await until(() => alice.getMessages(id).find((m) => m.text === 'from the old client')?.receipt === 'read', LONG, 'alice to see bob read it');
    alice.markRead(id);
    await waitFor(bob, (c) => c.getMessages(id).find((m) => m.text === 'from the current client')?.receipt === 'read', LONG, 'bob to see alice read it');

    // Typing expires by itself: keep typing until the other side shows it.
    await until(() => (alice.typing(id), (bob.getSnapshot().typing[id] ?? []).includes('alice')), LONG, 'bob to see alice typing');
    await until(() => (bob.typing(id), (alice.getSnapshot().typing[id] ?? []).includes('bob')), LONG, 'alice to see bob typing');
  }, TEST_TIMEOUT);
});
