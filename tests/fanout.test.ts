import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { connectAs, createGroup, isEvent, syncAll, until } from './helpers/fixtures.js';
import { online, sdkClient, texts, waitFor } from './helpers/sdk.js';

let server: TestServer;
const clients: WireClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});
const messagesSeen = (c: WireClient, id: string) =>
  c.frames.filter(isEvent).filter((f) => f.event.conversationId === id && f.event.kind === 'message').length;

describe('hybrid fan-out', () => {
  it('pushes a large conversation only to watching connections (and the sender\'s devices); others catch up by seq', async () => {
    server = await startTestServer({ fanoutThreshold: 3 });
    const owner = await connectAs(server, 'owner');
    const ownerTablet = await connectAs(server, 'owner', 'owner-tablet');
    const watcher = await connectAs(server, 'w');
    const idle = await connectAs(server, 'idle');
    const outsider = await connectAs(server, 'outsider');
    clients.push(owner, ownerTablet, watcher, idle, outsider);
    const big = await createGroup(owner, ['w', 'idle', 'x1', 'x2']);
    const small = await createGroup(owner, ['idle']);

    watcher.send({ type: 'watch', conversationIds: [big] });
    outsider.send({ type: 'watch', conversationIds: [big] }); // not a member: silently ignored
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 3; i++) owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('big-'), data: { text: `b${i}` } });
    owner.send({ type: 'send', conversationId: small, clientMsgId: nextId('small-'), data: { text: 's' } });
    await until(() => owner.frames.filter((f) => f.type === 'ack').length === 4);
    await until(() => messagesSeen(watcher, big) === 3 && messagesSeen(ownerTablet, big) === 3, 5000, 'watchers');
    await until(() => messagesSeen(idle, small) === 1, 5000, 'small conversation push');
    await new Promise((r) => setTimeout(r, 200));
    expect(messagesSeen(idle, big)).toBe(0); // member, not watching: no live push
    expect(messagesSeen(outsider, big)).toBe(0);
    const { events } = await syncAll(idle, { [big]: 1 });
    const caughtUp = events.filter((e) => e.conversationId === big && e.kind === 'message');
    expect(caughtUp.map((e) => (e.kind === 'message' ? e.data.text : ''))).toEqual(['b0', 'b1', 'b2']);

    // Unwatching stops the pushes.
    watcher.send({ type: 'watch', conversationIds: [] });
    await new Promise((r) => setTimeout(r, 100));
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('big-'), data: { text: 'b3' } });
    await until(() => messagesSeen(ownerTablet, big) === 4);
    await new Promise((r) => setTimeout(r, 200));
    expect(messagesSeen(watcher, big)).toBe(3);
  });

  it('shows typing in a large conversation to watchers only, never to the typist', async () => {
    server = await startTestServer({ fanoutThreshold: 2 });
    const typist = await connectAs(server, 'typist');
    const typistWatching = await connectAs(server, 'typist', 'typist-2');
    const watcher = await connectAs(server, 'w');
    const idle = await connectAs(server, 'idle');
    clients.push(typist, typistWatching, watcher, idle);
    const big = await createGroup(typist, ['w', 'idle', 'x1']);
    watcher.send({ type: 'watch', conversationIds: [big] });
    typistWatching.send({ type: 'watch', conversationIds: [big] });
    await new Promise((r) => setTimeout(r, 100));
    typist.send({ type: 'typing', conversationId: big });
    await watcher.waitFor((f) => f.type === 'typing.update' && f.userId === 'typist');
    await new Promise((r) => setTimeout(r, 200));
    expect(idle.frames.filter((f) => f.type === 'typing.update')).toEqual([]);
    expect(typistWatching.frames.filter((f) => f.type === 'typing.update')).toEqual([]);
  });

  it('stops pushing to a removed member who was watching', async () => {
    server = await startTestServer({ fanoutThreshold: 2 });
    const owner = await connectAs(server, 'owner');
    const gone = await connectAs(server, 'gone');
    clients.push(owner, gone);
    const big = await createGroup(owner, ['gone', 'x1', 'x2']);
    gone.send({ type: 'watch', conversationIds: [big] });
    await new Promise((r) => setTimeout(r, 100));
    owner.send({ type: 'members.remove', reqId: nextId(), conversationId: big, userIds: ['gone'] });
    await until(() => gone.frames.some((f) => isEvent(f) && f.event.kind === 'members.removed'));
    owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('after-'), data: { text: 'secret' } });
    await until(() => owner.frames.some((f) => f.type === 'ack'));
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.stringify(gone.frames)).not.toContain('secret');
  });
});

describe('watching from the client SDK', () => {
  it('gets live messages of a large conversation while watching it, and catches up when it starts watching', async () => {
    server = await startTestServer({ fanoutThreshold: 2 });
    const owner = await connectAs(server, 'owner');
    clients.push(owner);
    const big = await createGroup(owner, ['reader', 'x1', 'x2']);
    const reader = sdkClient(server, 'reader');
    try {
      await waitFor(reader, online);
      await waitFor(reader, (c) => c.getConversation(big) !== undefined, 5000, 'conversation known');
      owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('w-'), data: { text: 'unwatched' } });
      await until(() => owner.frames.filter((f) => f.type === 'ack').length === 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(texts(reader, big)).toEqual([]); // not pushed: nobody watches it

      reader.watch([big]);
      await waitFor(reader, (c) => texts(c, big).length === 1, 5000, 'catch-up on watch');
      owner.send({ type: 'send', conversationId: big, clientMsgId: nextId('w-'), data: { text: 'live' } });
      await waitFor(reader, (c) => texts(c, big).length === 2, 5000, 'live while watching');
      expect(texts(reader, big)).toEqual(['unwatched', 'live']);
    } finally {
      reader.close();
    }
  });
});
