import { describe, expect, it } from 'vitest';
import { FRAME_EVENT, type EventFrame, type ServerFrame } from '@parley/protocol';
import { createMemoryStorage } from '@parley/client-sdk';
import { createMemoryStore } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { online, sentTexts, texts, waitFor } from './helpers/sdk.js';

const scope = testScope();
const server = scope.server;
const client = scope.client;


describe('the client SDK over real sockets', () => {
  it('shows a sent message at once as pending, then sent with its seq; the recipient gets it once', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const bob = client(s, 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');

    const local = await alice.send(id, 'hello bob');
    expect(local).toMatchObject({ status: 'pending', text: 'hello bob', senderId: 'alice' });
    await waitFor(alice, (c) => c.getMessages(id)[0]?.status === 'sent', 5000, 'ack');
    expect(alice.getMessages(id)).toMatchObject([{ key: local.key, status: 'sent', seq: 2 }]);
    await waitFor(bob, (c) => texts(c, id).length === 1, 5000, 'delivery');
    await bob.getSettings(); // a round trip: a second push, had one been sent, is in by now
    expect(bob.getMessages(id)).toMatchObject([{ text: 'hello bob', seq: 2, senderId: 'alice', status: 'sent' }]);
    expect(bob.getConversation(id)).toMatchObject({ unread: 1 });
  });

  it('delivers to every member device, the sender\'s other device included, in one order for all', async () => {
    const s = await server();
    const phone = client(s, 'alice', { deviceId: 'alice-phone' });
    const laptop = client(s, 'alice', { deviceId: 'alice-laptop' });
    const bob = client(s, 'bob');
    const carol = client(s, 'carol');
    for (const c of [phone, laptop, bob, carol]) await waitFor(c, online);
    const { id } = await phone.createGroup({ title: 'team', members: ['bob', 'carol'] });
    await Promise.all(
      [phone, bob, carol].map(async (c, i) => {
        for (let n = 0; n < 15; n++) await c.send(id, `${i}:${n}`);
      }),
    );
    const devices = [phone, laptop, bob, carol];
    for (const c of devices) await waitFor(c, (x) => sentTexts(x, id).length === 45, 10_000, 'all 45 messages');
    const order = sentTexts(phone, id);
    for (const c of devices) {
      expect(sentTexts(c, id)).toEqual(order);
      const seqs = c.getMessages(id).map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a! - b!));
      expect(new Set(seqs).size).toBe(45);
    }
    for (let i = 0; i < 3; i++) {
      expect(order.filter((t) => t.startsWith(`${i}:`))).toEqual(Array.from({ length: 15 }, (_, n) => `${i}:${n}`));
    }
  });

  it('gives a recipient who was offline for 100 messages all of them, in order, when it comes back', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const storage = createMemoryStorage();
    const bob = client(s, 'bob', { storage, deviceId: 'bob-phone' });
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'before');
    await waitFor(bob, (c) => texts(c, id).length === 1);
    bob.close();

    for (let i = 0; i < 100; i++) await alice.send(id, `m${i}`);
    await waitFor(alice, (c) => sentTexts(c, id).length === 101, 10_000, 'acks');

    const back = client(s, 'bob', { storage, deviceId: 'bob-phone' });
    await waitFor(back, (c) => texts(c, id).length === 101, 10_000, 'catch-up');
    expect(texts(back, id)).toEqual(['before', ...Array.from({ length: 100 }, (_, i) => `m${i}`)]);
    expect(back.getMessages(id).map((m) => m.seq)).toEqual(Array.from({ length: 101 }, (_, i) => i + 2));
  });

  it('detects a lost push by the seq gap and fetches exactly the missing event', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const bob = client(s, 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');
    // Drop the live push of one event on the way to bob's connections only.
    let dropped = 0;
    const adapter = s.chat.nsp.adapter;
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet, opts) => {
      const frame = (packet.data as unknown[] | undefined)?.[1] as ServerFrame | undefined;
      const isTarget = frame?.type === 'event' && (frame as EventFrame).event.kind === 'message' && (frame as EventFrame).event.seq === 3;
      if (isTarget && opts.rooms.has('user:bob') && packet.data?.[0] === FRAME_EVENT) {
        dropped++;
        return;
      }
      broadcast(packet, opts);
    };
    for (const text of ['one', 'two', 'three']) await alice.send(id, text);
    await waitFor(bob, (c) => texts(c, id).length === 3, 5000, 'gap fill');
    expect(dropped).toBe(1);
    expect(bob.getMessages(id).map((m) => [m.seq, m.text])).toEqual([[2, 'one'], [3, 'two'], [4, 'three']]);
  });

  it('keeps a message sent while offline and delivers it exactly once when the server is back', async () => {
    const store = createMemoryStore();
    const first = await server({ store, keepStoreOpen: true, devSecret: 'a-dev-secret-long-enough-for-hs256!!' });
    const port = Number(new URL(first.url).port);
    const alice = client(first, 'alice');
    const bob = client(first, 'bob');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    await first.close();
    await waitFor(alice, (c) => c.getSnapshot().connection.status === 'reconnecting', 5000, 'reconnecting');

    const queued = await alice.send(id, 'sent while the server was down');
    expect(queued.status).toBe('pending');
    // Two reconnect attempts fail with the message queued: it stays pending, not failed.
    const attempts = alice.getSnapshot().connection.attempt;
    await waitFor(alice, (c) => c.getSnapshot().connection.attempt >= attempts + 2, 10_000, 'two failed reconnects');
    expect(alice.getMessages(id)).toMatchObject([{ status: 'pending' }]);

    await server({ store, port, devSecret: 'a-dev-secret-long-enough-for-hs256!!' });
    await waitFor(alice, (c) => c.getMessages(id)[0]?.status === 'sent', 10_000, 'flush after reconnect');
    await waitFor(bob, (c) => texts(c, id).length === 1, 10_000, 'delivery after reconnect');
    const log = await store.readAfter(id, 0, 100);
    expect(log.filter((e) => e.kind === 'message')).toHaveLength(1);
  });

  it('retries when an ACK is lost and still stores the message once', async () => {
    const s = await server();
    let lost = 0;
    s.chat.nsp.on('connection', (socket) => {
      const emit = socket.emit.bind(socket);
      socket.emit = ((event: string, frame: ServerFrame) => {
        if (event === FRAME_EVENT && frame?.type === 'ack' && lost === 0) {
          lost++;
          return true;
        }
        return emit(event, frame);
      }) as typeof socket.emit;
    });
    const alice = client(s, 'alice', { ackTimeoutMs: 300 });
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    const local = await alice.send(id, 'ack me');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.status === 'sent', 10_000, 'ack after retry');
    expect(lost).toBe(1);
    expect(alice.getMessages(id)).toMatchObject([{ key: local.key, seq: 2 }]);
    expect((await s.store.readAfter(id, 0, 10)).filter((e) => e.kind === 'message')).toHaveLength(1);
  });

  it('marks a message failed on a definitive NACK, visibly, and lets the user discard it', async () => {
    const s = await server();
    const mallory = client(s, 'mallory');
    const alice = client(s, 'alice');
    await waitFor(alice, online);
    await waitFor(mallory, online);
    const { id } = await alice.createGroup({ title: 'private', members: ['bob'] });
    const attempt = await mallory.send(id, 'let me in');
    await waitFor(mallory, (c) => c.getMessages(id)[0]?.status === 'failed', 5000, 'failed');
    expect(mallory.getMessages(id)[0]).toMatchObject({ key: attempt.key, status: 'failed', error: { code: 4040 } });
    await mallory.discard(attempt.clientMsgId!);
    expect(mallory.getMessages(id)).toEqual([]);
    expect((await s.store.readAfter(id, 0, 10)).filter((e) => e.kind === 'message')).toHaveLength(0);
  });

  it('turns the same message retried over several reconnects into one message', async () => {
    const s = await server();
    const alice = client(s, 'alice', { ackTimeoutMs: 200 });
    const bob = client(s, 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');
    // Cut alice's connection right after each send, a few times in a row.
    for (let i = 0; i < 3; i++) {
      await alice.send(id, `flaky ${i}`);
      for (const socket of await s.chat.nsp.in('user:alice').fetchSockets()) socket.disconnect(true);
      await waitFor(alice, online, 5000, 'reconnect');
    }
    await waitFor(alice, (c) => sentTexts(c, id).length === 3, 10_000, 'all sent');
    await waitFor(bob, (c) => texts(c, id).length === 3, 10_000, 'bob has all');
    await bob.getSettings(); // every send is ACKed, so every push (repeats included) went out before this answer
    expect(texts(bob, id)).toEqual(['flaky 0', 'flaky 1', 'flaky 2']);
    expect((await s.store.readAfter(id, 0, 100)).filter((e) => e.kind === 'message')).toHaveLength(3);
  });

  it('scrolls back through history with loadOlder', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    for (let i = 0; i < 120; i++) await alice.send(id, `h${i}`);
    await waitFor(alice, (c) => sentTexts(c, id).length === 120, 10_000, 'acks');
    const bob = client(s, 'bob');
    await waitFor(bob, (c) => texts(c, id).length > 0, 5000, 'tail');
    expect(texts(bob, id).length).toBeLessThan(120);
    for (let page = 0; page < 10 && bob.getConversation(id)?.hasOlder; page++) await bob.loadOlder(id, 30);
    expect(texts(bob, id)).toEqual(Array.from({ length: 120 }, (_, i) => `h${i}`));
    expect(bob.getConversation(id)?.hasOlder).toBe(false);
  });
});
