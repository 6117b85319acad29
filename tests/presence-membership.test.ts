import { describe, expect, it } from 'vitest';
import type { PresenceFrame, PresenceResultFrame, ServerFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, openDirect } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';

const scope = testScope();
const server = () => scope.server({ presence: { ttlMs: 10_000, graceMs: 50, heartbeatMs: 200 } });

const subscribe = (w: WireClient, userIds: string[]) =>
  w.request<PresenceResultFrame>({ type: 'presence.subscribe', reqId: nextId(), userIds });
/** `userId`'s presence frames that reached `w` after frame index `from`. */
const presenceSince = (w: WireClient, userId: string, from: number) =>
  w.frames.slice(from).filter((f: ServerFrame): f is PresenceFrame => f.type === 'presence' && f.userId === userId);
/** A request whose answer the server sends after everything it had already sent `w`. */
const barrier = (w: WireClient) => w.request({ type: 'sync', reqId: nextId(), cursors: [] });
const sawPresence = (w: WireClient, userId: string, status: string) =>
  w.waitFor((f) => f.type === 'presence' && f.userId === userId && f.status === status, 10_000);

/** alice and bob share group `g`; carol, in a group with each of them, watches both as a witness. */
async function setUp(s: TestServer) {
  const [alice, bob, carol] = [await scope.wire(s, 'alice'), await scope.wire(s, 'bob'), await scope.wire(s, 'carol')];
  const g = await createGroup(alice, ['bob']);
  await createGroup(carol, ['alice']);
  await createGroup(carol, ['bob']);
  await subscribe(alice, ['bob']);
  await subscribe(bob, ['alice']);
  await subscribe(carol, ['alice', 'bob']);
  return { alice, bob, carol, g };
}

describe('presence after a shared conversation ends', () => {
  it.each([
    ['bob is removed', 'alice'],
    ['bob leaves', 'bob'],
  ] as const)('%s: alice and bob no longer see each other’s presence or last seen', async (_, actor) => {
    const s = await server();
    const { alice, bob, carol, g } = await setUp(s);
    const byActor = actor === 'alice' ? alice : bob;
    const answer = await byActor.request({ type: 'members.remove', reqId: nextId(), conversationId: g, userIds: ['bob'] });
    expect(answer.type).toBe('conversation');
    const [aliceFrom, bobFrom] = [alice.frames.length, bob.frames.length];

    bob.send({ type: 'presence.set', status: 'away' });
    await sawPresence(carol, 'bob', 'away');
    alice.send({ type: 'presence.set', status: 'away' });
    await sawPresence(carol, 'alice', 'away');
    bob.close();
    await sawPresence(carol, 'bob', 'offline');

    await barrier(alice);
    expect(presenceSince(alice, 'bob', aliceFrom)).toEqual([]);
    expect(presenceSince(bob, 'alice', bobFrom)).toEqual([]);
    expect(await subscribe(alice, ['bob'])).toMatchObject({ users: [], denied: ['bob'] });
  });

  it('keeps presence flowing while another conversation is still shared', async () => {
    const s = await server();
    const { alice, bob, carol, g } = await setUp(s);
    await openDirect(alice, 'bob');
    await bob.request({ type: 'members.remove', reqId: nextId(), conversationId: g, userIds: ['bob'] });
    bob.send({ type: 'presence.set', status: 'away' });
    await sawPresence(carol, 'bob', 'away');
    await sawPresence(alice, 'bob', 'away');
  });
});
