import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import { testScope } from '../helpers/scope.js';
import { online, sentTexts, texts, waitFor } from '../helpers/sdk.js';
import { startReleaseProcess } from './release-process.js';

// Today's client against the previous releases' servers, run as separate processes from their
// committed snapshots: during a rolling deploy a reconnect may land on a node not upgraded yet.

const LONG = 60_000;
const TEST_TIMEOUT = 3 * LONG;
const status = (chat: ChatClient): string => chat.getSnapshot().connection.status;

describe('the current client against previous servers', () => {
  const scope = testScope();

  it('works as usual against a protocol-3 server: send, receive, receipts, reload', async () => {
    const server = scope.adopt(await startReleaseProcess('protocol-3'));
    const alice = scope.client(server, 'alice');
    const bob = scope.client(server, 'bob');
    await waitFor(alice, online, LONG, 'alice online');
    await waitFor(bob, online, LONG, 'bob online');
    const { id } = await alice.createGroup({ title: 'old node', members: ['bob'] });
    const written = Array.from({ length: 8 }, (_, i) => `to the old node ${i}`);
    for (const text of written) await alice.send(id, text);
    await waitFor(alice, (c) => sentTexts(c, id).length === written.length, LONG, 'alice to see her messages sent');
    await waitFor(bob, (c) => texts(c, id).length === written.length, LONG, 'bob to receive them');
    expect(texts(bob, id)).toEqual(written);

    await bob.send(id, 'reply from bob');
    await waitFor(alice, (c) => texts(c, id).includes('reply from bob'), LONG, 'alice to receive the reply');
    bob.markRead(id);
    await waitFor(alice, (c) => c.getMessages(id).at(-2)?.receipt === 'read', LONG, 'alice to see bob read her messages');

    // A reload: a client with an empty cache gets the whole history from the old node, in order.
    const reloaded = scope.client(server, 'bob');
    await waitFor(reloaded, (c) => texts(c, id).length === written.length + 1, LONG, 'the reloaded client to sync the history');
    expect(texts(reloaded, id)).toEqual([...written, 'reply from bob']);
    const seqs = reloaded.getMessages(id).map((m) => m.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }, TEST_TIMEOUT);

  it('shows server-outdated against a protocol-2 server, keeps retrying, and keeps the outbox', async () => {
    const server = scope.adopt(await startReleaseProcess('protocol-2'));
    const storage = createMemoryStorage();
    const alice = scope.client(server, 'alice', { storage });
    const queued = ['queued 1', 'queued 2', 'queued 3'];
    for (const text of queued) await alice.send('g_compat_outbox', text);

    await waitFor(alice, (c) => status(c) === 'server-outdated', LONG, 'server-outdated');
    // A rolling deploy may route the next attempt to an upgraded node: it keeps trying.
    await waitFor(alice, (c) => status(c) === 'server-outdated' && c.getSnapshot().connection.attempt >= 3, LONG, 'more attempts');
    expect((await storage.outbox.list()).map((e) => [e.text, e.status])).toEqual(queued.map((t) => [t, 'pending']));
    expect(alice.getMessages('g_compat_outbox').map((m) => [m.text, m.status])).toEqual(queued.map((t) => [t, 'pending']));
  }, TEST_TIMEOUT);
});
