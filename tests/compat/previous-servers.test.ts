import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import { testScope } from '../helpers/scope.js';
import { waitFor } from '../helpers/sdk.js';
import { startReleaseProcess } from './release-process.js';

// Today's client against the previous releases' servers, run as separate processes from their
// committed snapshots: during a rolling deploy a reconnect may land on a node not upgraded yet.

const LONG = 60_000;
const TEST_TIMEOUT = 3 * LONG;
const status = (chat: ChatClient): string => chat.getSnapshot().connection.status;

describe('the current client against previous servers', () => {
  const scope = testScope();

  // Today's client speaks only its own protocol (6), which the previous releases' servers (5, 4,
  // 3 and 2) refuse. During a rolling deploy it waits for an upgraded node; tests/compat/mixed-cluster.test.ts
  // shows its outbox going out once the old node is replaced.
  it.each(['protocol-8', 'protocol-7', 'protocol-6', 'protocol-5', 'protocol-4', 'protocol-3', 'protocol-2'] as const)('shows server-outdated against a %s server, keeps retrying, and keeps the outbox', async (release) => {
    const server = scope.adopt(await startReleaseProcess(release));
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
