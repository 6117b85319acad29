import { beforeEach, describe, expect, it } from 'vitest';
import type { AckFrame, LogEvent } from '@parley/protocol';
import type { TestServer } from './helpers/test-server.js';
import { nextId } from './helpers/wire-client.js';
import { createGroup, isEvent, liveTexts, openDirect, roundTrip, sendText, syncAll, until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
let server: TestServer;
const connect = (userId: string, deviceId?: string) => scope.wire(server, userId, deviceId);

beforeEach(async () => {
  server = await scope.server();
});

describe('delivery over real sockets', () => {
  it('delivers a direct message to the recipient once, after the sender is ACKed', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const conversationId = await openDirect(alice, 'bob');
    expect(await openDirect(bob, 'alice')).toBe(conversationId); // one direct conversation per pair

    const ack = await sendText(alice, conversationId, 'hi bob');
    expect(ack).toMatchObject({ seq: 2, duplicate: false }); // seq 1 is conversation.created
    await until(() => liveTexts(bob, conversationId).length === 1);
    expect(liveTexts(bob, conversationId)).toEqual(['hi bob']);
    // The sending connection gets the ACK, not an echo.
    expect(liveTexts(alice, conversationId)).toEqual([]);
    expect(alice.invalid).toEqual([]);
    expect(bob.invalid).toEqual([]);
  });

  it('delivers group messages to every member device, the sender\'s other devices included, never to others', async () => {
    const alicePhone = await connect('alice', 'alice-phone');
    const aliceLaptop = await connect('alice', 'alice-laptop');
    const bob = await connect('bob');
    const carol = await connect('carol');
    const mallory = await connect('mallory');
    const group = await createGroup(alicePhone, ['bob', 'carol']);

    await sendText(alicePhone, group, 'hello team');
    for (const device of [aliceLaptop, bob, carol]) {
      await until(() => liveTexts(device, group).length === 1, 5000, 'group delivery');
      expect(liveTexts(device, group)).toEqual(['hello team']);
    }
    await roundTrip(mallory); // the push went out (every member has it): none reached mallory
    expect(mallory.frames.filter(isEvent)).toEqual([]);
  });

  it('turns the same clientMsgId sent 5 times concurrently into one message with one seq', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const conversationId = await openDirect(alice, 'bob');
    const clientMsgId = nextId('dup-');
    for (let i = 0; i < 5; i++) alice.send({ type: 'send', conversationId, clientMsgId, data: { text: 'once' } });
    await until(() => alice.frames.filter((f) => f.type === 'ack').length === 5);
    const acks = alice.frames.filter((f): f is AckFrame => f.type === 'ack');
    expect(new Set(acks.map((a) => `${a.seq}/${a.eventId}`)).size).toBe(1);
    expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
    const log = await server.store.readAfter(conversationId, 0, 100);
    expect(log.filter((e) => e.kind === 'message')).toHaveLength(1);
    const { events } = await syncAll(bob, { [conversationId]: 0 });
    expect(events.filter((e) => e.kind === 'message').map((e) => e.seq)).toEqual([acks[0]!.seq]);
  });

  it('gives every device the same order when several members send at once', async () => {
    const senders = await Promise.all(['a', 'b', 'c'].map((u) => connect(u)));
    const watchers = [await connect('a', 'a-2'), await connect('d')];
    const group = await createGroup(senders[0]!, ['b', 'c', 'd']);
    await Promise.all(
      senders.map(async (client, i) => {
        for (let n = 0; n < 20; n++) client.send({ type: 'send', conversationId: group, clientMsgId: nextId('c-'), data: { text: `${i}:${n}` } });
        await until(() => client.frames.filter((f) => f.type === 'ack').length === 20, 10_000, 'acks');
      }),
    );
    const log = (await server.store.readAfter(group, 0, 1000)).filter((e) => e.kind === 'message');
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
    const truth = log.map((e) => (e.kind === 'message' ? (e.data.text ?? '') : ''));
    // Each sender's own messages keep the order it sent them in.
    for (let i = 0; i < 3; i++) {
      expect(truth.filter((t) => t.startsWith(`${i}:`))).toEqual(Array.from({ length: 20 }, (_, n) => `${i}:${n}`));
    }
    for (const watcher of watchers) {
      await until(() => liveTexts(watcher, group).length === 60, 5000, 'all pushes');
      const seqs = watcher.frames.filter(isEvent).map((f) => f.event).filter((e) => e.kind === 'message').map((e) => e.seq);
      const texts = liveTexts(watcher, group);
      // Live pushes may interleave across senders, but ordering by seq gives the log's order exactly.
      const bySeq = seqs.map((s, i) => [s, texts[i]] as const).sort((x, y) => x[0] - y[0]).map(([, t]) => t);
      expect(bySeq).toEqual(truth);
    }
  });

  it('gives a recipient who was offline for 100 messages all of them, in order, on reconnect', async () => {
    const alice = await connect('alice');
    const bobFirst = await connect('bob', 'bob-phone');
    const conversationId = await openDirect(alice, 'bob');
    await until(() => bobFirst.frames.some((f) => f.type === 'event' && f.event.conversationId === conversationId));
    const cursor = 1;
    bobFirst.close();
    for (let i = 0; i < 100; i++) alice.send({ type: 'send', conversationId, clientMsgId: nextId('o-'), data: { text: `m${i}` } });
    await until(() => alice.frames.filter((f) => f.type === 'ack').length === 100, 10_000, 'acks');

    const bob = await connect('bob', 'bob-phone');
    const { events } = await syncAll(bob, { [conversationId]: cursor });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    expect(events.map((e) => (e.kind === 'message' ? e.data.text : null))).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });

  it('pages a long backlog through sync with hasMore and no gap or overlap', async () => {
    const alice = await connect('alice');
    const conversationId = await openDirect(alice, 'bob');
    const total = 1200;
    for (let i = 0; i < total; i++) alice.send({ type: 'send', conversationId, clientMsgId: nextId('p-'), data: { text: `${i}` } });
    await until(() => alice.frames.filter((f) => f.type === 'ack').length === total, 20_000, 'acks');
    const bob = await connect('bob');
    const { events, results } = await syncAll(bob, { [conversationId]: 0 });
    expect(results.length).toBeGreaterThan(2);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
  });

  it('answers a retried SEND after a reconnect with the original ACK', async () => {
    const alice = await connect('alice', 'alice-1');
    const conversationId = await openDirect(alice, 'bob');
    const clientMsgId = nextId('retry-');
    const first = await sendText(alice, conversationId, 'are you there', clientMsgId);
    alice.close();
    const again = await connect('alice', 'alice-1');
    const second = await sendText(again, conversationId, 'are you there', clientMsgId);
    expect(second).toEqual({ ...first, duplicate: true });
  });

  it('tells a new client about its conversations with the tail of each log and exact unread counts', async () => {
    const alice = await connect('alice');
    const conversationId = await openDirect(alice, 'bob');
    for (let i = 0; i < 60; i++) await sendText(alice, conversationId, `t${i}`);
    const bob = await connect('bob');
    const { results, events } = await syncAll(bob, {});
    const summary = results[0]!.conversations.find((c) => c.id === conversationId);
    expect(summary).toMatchObject({ kind: 'direct', lastSeq: 61, unread: 60, readSeq: 0, members: ['alice', 'bob'] });
    const tail = events.filter((e: LogEvent) => e.conversationId === conversationId).map((e) => e.seq);
    expect(tail).toEqual(Array.from({ length: 50 }, (_, i) => i + 12));
  });
});
