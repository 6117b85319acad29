import { describe, expect, it } from 'vitest';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { createGroup, isEvent, roundTrip, syncAll, until, watch } from './helpers/fixtures.js';
import { online, texts, waitFor } from './helpers/sdk.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
const messagesSeen = (c: WireClient, id: string) =>
  c.frames.filter(isEvent).filter((f) => f.event.conversationId === id && f.event.kind === 'message').length;

describe('watch', () => {
  it('answers a WATCH with a reqId once it is in effect, naming only conversations of which the user is a member', async () => {
    const server = await scope.server({ fanoutThreshold: 2 });
    const owner = await scope.wire(server, 'owner');
    const reader = await scope.wire(server, 'reader');
    const outsider = await scope.wire(server, 'outsider');
    const big = await createGroup(owner, ['reader', 'x1', 'x2']);

    expect(await watch(reader, [big, 'no-such-conversation', big])).toEqual([big]);
    // A non-member learns nothing: its answer is the same as for a conversation that does not exist.
    expect(await watch(outsider, [big])).toEqual([]);
    expect(await watch(outsider, ['no-such-conversation'])).toEqual([]);
    // In effect at the answer: the very next message is pushed live.
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('w-'), data: { text: 'live' } });
    await until(() => messagesSeen(reader, big) === 1, 10_000, 'the live push to the watcher');
    expect(await watch(reader, [])).toEqual([]);
    // Without a reqId (older clients) nothing is answered.
    reader.send({ type: 'watch', conversationIds: [big] });
    await roundTrip(reader);
    expect(reader.frames.filter((f) => f.type === 'watch.result')).toHaveLength(2);
  });
});

describe('hybrid fan-out', () => {
  it('pushes a large conversation only to watching connections (and the sender\'s devices); others catch up by seq', async () => {
    const server = await scope.server({ fanoutThreshold: 3 });
    const owner = await scope.wire(server, 'owner');
    const ownerTablet = await scope.wire(server, 'owner', 'owner-tablet');
    const watcher = await scope.wire(server, 'w');
    const idle = await scope.wire(server, 'idle');
    const outsider = await scope.wire(server, 'outsider');
    const big = await createGroup(owner, ['w', 'idle', 'x1', 'x2']);
    const small = await createGroup(owner, ['idle']);

    expect(await watch(watcher, [big])).toEqual([big]);
    expect(await watch(outsider, [big])).toEqual([]); // not a member: left out
    for (let i = 0; i < 3; i++) owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('big-'), data: { text: `b${i}` } });
    owner.send({ type: 'send', conversationId: small, clientMsgId: nextId('small-'), data: { text: 's' } });
    await until(() => owner.frames.filter((f) => f.type === 'ack').length === 4);
    await until(() => messagesSeen(watcher, big) === 3 && messagesSeen(ownerTablet, big) === 3, 10_000, 'watchers');
    await until(() => messagesSeen(idle, small) === 1, 10_000, 'small conversation push');
    // The pushes were emitted (the tablet has them): a round trip shows they did not reach these.
    await Promise.all([roundTrip(idle), roundTrip(outsider)]);
    expect(messagesSeen(idle, big)).toBe(0); // member, not watching: no live push
    expect(messagesSeen(outsider, big)).toBe(0);
    const { events } = await syncAll(idle, { [big]: 1 });
    const caughtUp = events.filter((e) => e.conversationId === big && e.kind === 'message');
    expect(caughtUp.map((e) => (e.kind === 'message' ? e.data.text : ''))).toEqual(['b0', 'b1', 'b2']);

    // Unwatching stops the pushes.
    expect(await watch(watcher, [])).toEqual([]);
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('big-'), data: { text: 'b3' } });
    await until(() => messagesSeen(ownerTablet, big) === 4);
    await roundTrip(watcher);
    expect(messagesSeen(watcher, big)).toBe(3);
  });

  it('shows typing in a large conversation to watchers only, never to the typist', async () => {
    const server = await scope.server({ fanoutThreshold: 2 });
    const typist = await scope.wire(server, 'typist');
    const typistWatching = await scope.wire(server, 'typist', 'typist-2');
    const watcher = await scope.wire(server, 'w');
    const idle = await scope.wire(server, 'idle');
    const big = await createGroup(typist, ['w', 'idle', 'x1']);
    await watch(watcher, [big]);
    await watch(typistWatching, [big]);
    typist.send({ type: 'typing', conversationId: big });
    await watcher.waitFor((f) => f.type === 'typing.update' && f.userId === 'typist');
    await Promise.all([roundTrip(idle), roundTrip(typistWatching)]);
    expect(idle.frames.filter((f) => f.type === 'typing.update')).toEqual([]);
    expect(typistWatching.frames.filter((f) => f.type === 'typing.update')).toEqual([]);
  });

  it('stops pushing to a removed member who was watching', async () => {
    const server = await scope.server({ fanoutThreshold: 2 });
    const owner = await scope.wire(server, 'owner');
    const ownerTablet = await scope.wire(server, 'owner', 'owner-tablet');
    const gone = await scope.wire(server, 'gone');
    const big = await createGroup(owner, ['gone', 'x1', 'x2']);
    expect(await watch(gone, [big])).toEqual([big]);
    owner.send({ type: 'members.remove', reqId: nextId(), conversationId: big, userIds: ['gone'] });
    await until(() => gone.frames.some((f) => isEvent(f) && f.event.kind === 'members.removed'));
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('after-'), data: { text: 'secret' } });
    await until(() => JSON.stringify(ownerTablet.frames).includes('secret'), 10_000, 'the push to the sender\'s other device');
    await roundTrip(gone);
    expect(JSON.stringify(gone.frames)).not.toContain('secret');
  });
});

describe('watching from the client SDK', () => {
  it('gets live messages of a large conversation while watching it, and catches up when it starts watching', async () => {
    const server = await scope.server({ fanoutThreshold: 2 });
    const owner = await scope.wire(server, 'owner');
    const ownerTablet = await scope.wire(server, 'owner', 'owner-tablet');
    const big = await createGroup(owner, ['reader', 'x1', 'x2']);
    const reader = scope.client(server, 'reader');
    await waitFor(reader, online);
    await waitFor(reader, (c) => c.getConversation(big) !== undefined, 10_000, 'conversation known');
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('w-'), data: { text: 'unwatched' } });
    await until(() => messagesSeen(ownerTablet, big) === 1, 10_000, 'the push to the sender\'s other device');
    await reader.getSettings(); // a round trip: the push, had it come, would be in by now
    expect(texts(reader, big)).toEqual([]); // not pushed: nobody watches it

    reader.watch([big]);
    await waitFor(reader, (c) => texts(c, big).length === 1, 10_000, 'catch-up on watch');
    // The SDK's watch() does not wait for the answer: wait until the server has it in effect.
    await until(async () => (await server.chat.nsp.in(`watch:${big}`).fetchSockets()).length === 1, 10_000, 'the watch in effect');
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('w-'), data: { text: 'live' } });
    await waitFor(reader, (c) => texts(c, big).length === 2, 10_000, 'live while watching');
    expect(texts(reader, big)).toEqual(['unwatched', 'live']);
  });
});
