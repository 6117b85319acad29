import type { Socket as NetSocket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PresenceFrame, PresenceResultFrame, ServerFrame } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import type { TestServer } from './helpers/test-server.js';
import { online, waitFor } from './helpers/sdk.js';
import { createGroup, openDirect } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
/** Short intervals so tests wait little; socket.io's own ping timeout is long, so only the TTL can notice a silent client. */
function server(graceMs = 400): Promise<TestServer> {
  return scope.server({
    presence: { ttlMs: 1200, graceMs, heartbeatMs: 100 },
    pingIntervalMs: 200,
    pingTimeoutMs: 30_000,
  });
}
const wire = (s: TestServer, userId: string): Promise<WireClient> => scope.wire(s, userId);

/** The TCP socket under a wire client's WebSocket. */
function tcpOf(w: WireClient): NetSocket {
  const engine = w.socket.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } };
  return engine.transport.ws._socket;
}
const presenceOf = (w: WireClient, userId: string) =>
  w.frames.filter((f: ServerFrame): f is PresenceFrame => f.type === 'presence' && f.userId === userId);
async function subscribe(w: WireClient, userIds: string[]): Promise<PresenceResultFrame> {
  return w.request<PresenceResultFrame>({ type: 'presence.subscribe', reqId: nextId(), userIds });
}

describe('presence over real sockets', () => {
  it('shows a client that died silently (no close, no pong) offline after the TTL, with its last seen', async () => {
    const s = await server();
    const alice = await wire(s, 'alice');
    const bob = await wire(s, 'bob');
    await openDirect(alice, 'bob');
    expect((await subscribe(alice, ['bob'])).users).toEqual([{ userId: 'bob', status: 'online', lastSeenAt: null }]);
    const before = Date.now();
    tcpOf(bob).pause(); // the process hangs: it reads nothing and answers no ping
    const offline = await alice.waitFor((f) => f.type === 'presence' && f.userId === 'bob' && f.status === 'offline', 10_000);
    expect(offline).toMatchObject({ status: 'offline', lastSeenAt: expect.any(Number) });
    expect((offline as PresenceFrame).lastSeenAt!).toBeLessThanOrEqual(Date.now());
    expect((offline as PresenceFrame).lastSeenAt!).toBeGreaterThan(before - 5_000);
    tcpOf(bob).destroy(); // the hung process finally exits
  });

  it('shows a client whose socket was destroyed offline, once', async () => {
    const s = await server();
    const alice = await wire(s, 'alice');
    const bob = await wire(s, 'bob');
    await openDirect(alice, 'bob');
    await subscribe(alice, ['bob']);
    tcpOf(bob).destroy();
    await alice.waitFor((f) => f.type === 'presence' && f.userId === 'bob' && f.status === 'offline', 10_000);
    const back = await wire(s, 'bob');
    await alice.waitFor((f) => f.type === 'presence' && f.userId === 'bob' && f.status === 'online');
    expect(presenceOf(alice, 'bob').map((f) => f.status)).toEqual(['offline', 'online']);
    back.close();
  });

  it('says nothing at all when a connection drops and comes back within the grace period', async () => {
    const s = await server(1500);
    const alice = await wire(s, 'alice');
    const bob = await wire(s, 'bob');
    const carol = await wire(s, 'carol');
    await createGroup(alice, ['bob', 'carol']);
    await subscribe(alice, ['bob', 'carol']);
    tcpOf(bob).destroy();
    await wire(s, 'bob'); // the flapping connection is back
    // Carol leaves after bob flapped: her offline, told after the same grace, comes after bob's would have.
    carol.close();
    await alice.waitFor((f) => f.type === 'presence' && f.userId === 'carol' && f.status === 'offline', 10_000);
    expect(presenceOf(alice, 'bob')).toEqual([]);
  });

  it('lets only users who share a conversation follow someone; the others learn nothing', async () => {
    const s = await server();
    const alice = await wire(s, 'alice');
    const bob = await wire(s, 'bob');
    const mallory = await wire(s, 'mallory');
    const dave = await wire(s, 'dave');
    await openDirect(alice, 'bob');
    await openDirect(mallory, 'dave');
    const result = await subscribe(mallory, ['bob', 'dave']);
    expect(result.denied).toEqual(['bob']);
    expect(result.users.map((u) => u.userId)).toEqual(['dave']);
    bob.close();
    await wire(s, 'bob');
    bob.close();
    dave.close();
    await mallory.waitFor((f) => f.type === 'presence' && f.userId === 'dave' && f.status === 'offline', 10_000);
    expect(presenceOf(mallory, 'bob')).toEqual([]);
  });

  it('hides presence or last seen when the user asks, and aggregates devices (online if any is active)', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const phone = client(s, 'bob', 'bob-phone');
    const laptop = client(s, 'bob', 'bob-laptop');
    for (const c of [alice, phone, laptop]) await waitFor(c, online);
    await alice.openDirect('bob');
    expect(await alice.subscribePresence(['bob', 'stranger'])).toEqual({ denied: ['stranger'] });
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'online');
    phone.setAway(true);
    laptop.setAway(true);
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'away', 5000, 'away');
    laptop.setAway(false);
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'online', 5000, 'online again');
    await phone.updateSettings({ lastSeen: false });
    phone.close();
    laptop.close();
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'offline', 10_000, 'offline');
    expect(alice.getSnapshot().presence['bob']).toEqual({ userId: 'bob', status: 'offline', lastSeenAt: null });
    const back = client(s, 'bob', 'bob-phone');
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'online', 5000, 'back online');
    await back.updateSettings({ presence: false });
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'offline', 5000, 'hidden');
    expect(alice.getSnapshot().presence['bob']).toEqual({ userId: 'bob', status: 'offline', lastSeenAt: null });
  });

  it('follows again after the follower reconnects', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    await waitFor(alice, online);
    await alice.openDirect('bob');
    await alice.subscribePresence(['bob']);
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'offline');
    alice.close();
    alice.connect();
    await waitFor(alice, online);
    const bob = await wire(s, 'bob');
    await waitFor(alice, (c) => c.getSnapshot().presence['bob']?.status === 'online', 5000, 'bob online');
    bob.close();
  });
});

function client(s: TestServer, userId: string, deviceId?: string): ChatClient {
  return scope.client(s, userId, deviceId ? { deviceId } : {});
}
