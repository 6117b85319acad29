import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '@parley/client-sdk';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { startBalancer, type Balancer } from './helpers/tcp-balancer.js';
import { connectWire, nextId } from './helpers/wire-client.js';
import { online, sdkClient, sentTexts, texts, waitFor } from './helpers/sdk.js';

const hasRedis = requireRedis();
const DEV_SECRET = 'cluster-dev-secret-at-least-32-bytes!!';

let redis: RedisProcess;
let dataDir: string;
const nodes: ReferenceProcess[] = [];
const chats: ChatClient[] = [];
const balancers: Balancer[] = [];

async function startNode(env: NodeJS.ProcessEnv = {}): Promise<ReferenceProcess> {
  const node = await startReferenceProcess(['--dev', '--store', 'sqlite', '--data-dir', dataDir], {
    REDIS_URL: redis.url,
    PARLEY_DEV_SECRET: DEV_SECRET,
    ...env,
  });
  nodes.push(node);
  return node;
}
const portOf = (url: string) => Number(new URL(url).port);
function client(url: string, token: (userId: string) => Promise<string>, userId: string, deviceId?: string): ChatClient {
  const chat = sdkClient({ url, token }, userId, deviceId ? { deviceId } : {});
  chats.push(chat);
  return chat;
}

describe.skipIf(!hasRedis)('several nodes over Redis', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async () => {
    for (const chat of chats.splice(0)) chat.close();
    for (const b of balancers.splice(0)) await b.close();
    for (const node of nodes.splice(0)) if (node.child.exitCode === null) await node.kill();
    if (redis) {
      await redis.stop();
      await redis.start();
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  const freshData = () => (dataDir = mkdtempSync(join(tmpdir(), 'parley-cluster-')));

  /** Two nodes; alice connected to the first, bob to the second, and their direct conversation. */
  async function aliceOnNodeAWithBobOnNodeB() {
    const [a, b] = [await startNode(), await startNode()];
    const alice = client(a.url, (u) => a.issueToken(u), 'alice');
    const bob = client(b.url, (u) => b.issueToken(u), 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');
    return { a, b, alice, bob, id };
  }

  it('lets users on different nodes chat live, with receipts and typing relayed across nodes', async () => {
    freshData();
    const { a, b, alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    await alice.send(id, 'from node A');
    await waitFor(bob, (c) => texts(c, id).includes('from node A'), 10_000, 'cross-node delivery');
    await bob.send(id, 'from node B');
    await waitFor(alice, (c) => sentTexts(c, id).length === 2, 10_000, 'reply across nodes');
    expect(sentTexts(alice, id)).toEqual(['from node A', 'from node B']);
    expect(sentTexts(bob, id)).toEqual(['from node A', 'from node B']);

    // Receipts cross nodes too: bob reads on node B, alice's message turns to read on node A.
    bob.markRead(id);
    await waitFor(alice, (c) => c.getMessages(id)[0]?.receipt === 'read', 10_000, 'read receipt across nodes');

    // Typing, relayed volatile through Redis (seen at the wire level).
    const bobWire = await connectWire(b.url, { token: await b.issueToken('bob') });
    const aliceWire = await connectWire(a.url, { token: await a.issueToken('alice') });
    await aliceWire.waitFor((f) => f.type === 'welcome');
    await bobWire.waitFor((f) => f.type === 'welcome');
    aliceWire.send({ type: 'typing', conversationId: id });
    expect(await bobWire.waitFor((f) => f.type === 'typing.update')).toMatchObject({ userId: 'alice', conversationId: id });
    aliceWire.close();
    bobWire.close();
  });

  it('shares presence across nodes; users of a killed node go offline after the TTL', async () => {
    freshData();
    const fast = { PARLEY_PRESENCE_TTL_MS: '1500', PARLEY_PRESENCE_GRACE_MS: '300', PARLEY_PRESENCE_HEARTBEAT_MS: '300' };
    const [a, b] = [await startNode(fast), await startNode(fast)];
    const alice = client(a.url, (u) => a.issueToken(u), 'alice');
    const bobPhone = client(b.url, (u) => b.issueToken(u), 'bob', 'bob-phone');
    await waitFor(alice, online);
    await waitFor(bobPhone, online);
    await alice.openDirect('bob');
    expect(await alice.subscribePresence(['bob'])).toEqual({ denied: [] });
    await waitFor(alice, (c) => c.getSnapshot().presence.bob?.status === 'online', 10_000, 'bob online, seen from node A');

    // Bob's laptop, on node A, goes away; his phone on node B is still active: online wins.
    const bobLaptop = client(a.url, (u) => a.issueToken(u), 'bob', 'bob-laptop');
    await waitFor(bobLaptop, online);
    bobLaptop.setAway(true);
    bobPhone.setAway(true);
    await waitFor(alice, (c) => c.getSnapshot().presence.bob?.status === 'away', 10_000, 'all of bob\'s devices away');
    bobLaptop.close();

    // Node B dies with bob's phone on it: nobody says goodbye, the TTL does.
    await b.kill();
    await waitFor(alice, (c) => c.getSnapshot().presence.bob?.status === 'offline', 15_000, 'bob offline after the TTL');
    expect(alice.getSnapshot().presence.bob?.lastSeenAt).toEqual(expect.any(Number));
  }, 60_000);

  it('makes one message of one clientMsgId sent concurrently to two nodes', async () => {
    freshData();
    const [a, b] = [await startNode(), await startNode()];
    const onA = await connectWire(a.url, { token: await a.issueToken('alice'), deviceId: 'alice-1' });
    const onB = await connectWire(b.url, { token: await b.issueToken('alice'), deviceId: 'alice-2' });
    await onA.waitFor((f) => f.type === 'welcome');
    await onB.waitFor((f) => f.type === 'welcome');
    onA.send({ type: 'direct.open', reqId: 'o', userId: 'bob' });
    const opened = await onA.waitFor((f) => f.type === 'conversation');
    if (opened.type !== 'conversation') throw new Error('not opened');
    const id = opened.conversation.id;
    for (let i = 0; i < 20; i++) {
      const clientMsgId = nextId('twin-');
      onA.send({ type: 'send', conversationId: id, clientMsgId, data: { text: `twin ${i}` } });
      onB.send({ type: 'send', conversationId: id, clientMsgId, data: { text: `twin ${i}` } });
    }
    await onA.waitFor(() => onA.frames.filter((f) => f.type === 'ack').length === 20, 10_000);
    await onB.waitFor(() => onB.frames.filter((f) => f.type === 'ack').length === 20, 10_000);
    const seqOf = (frames: typeof onA.frames) =>
      new Map(frames.flatMap((f) => (f.type === 'ack' ? [[f.clientMsgId, f.seq] as const] : [])));
    expect(seqOf(onB.frames)).toEqual(seqOf(onA.frames));
    const res = await fetch(`${a.url}/api/conversations/${id}/messages?limit=100`, {
      headers: { authorization: `Bearer ${await a.issueToken('bob')}` },
    });
    const body = (await res.json()) as { events: Array<{ kind: string }> };
    expect(body.events.filter((e) => e.kind === 'message')).toHaveLength(20);
    onA.close();
    onB.close();
  });

  it('loses nothing when a node is killed mid-burst: its clients reconnect elsewhere and resync', async () => {
    freshData();
    const all = [await startNode(), await startNode(), await startNode()];
    const balancer = await startBalancer(all.map((n) => portOf(n.url)));
    balancers.push(balancer);
    const token = (u: string) => all.find((n) => n.child.exitCode === null)!.issueToken(u);
    const users = ['u0', 'u1', 'u2', 'u3'];
    const devices = users.flatMap((u) => [client(balancer.url, token, u, `${u}-a`), client(balancer.url, token, u, `${u}-b`)]);
    for (const d of devices) await waitFor(d, online, 10_000, 'online via balancer');
    const { id } = await devices[0]!.createGroup({ title: 'burst', members: users.slice(1) });
    for (const d of devices) await waitFor(d, (c) => c.getConversation(id) !== undefined, 10_000, 'group known');

    const senders = devices.filter((_, i) => i % 2 === 0);
    const burst = senders.map(async (chat, i) => {
      for (let n = 0; n < 40; n++) {
        await chat.send(id, `${i}:${n}`);
        if (n === 10 && i === 0) await all[1]!.kill(); // one node dies mid-burst
      }
    });
    await Promise.all(burst);
    balancer.setBackends([portOf(all[0]!.url), portOf(all[2]!.url)]);
    for (const d of devices) {
      await waitFor(d, (c) => sentTexts(c, id).length === 160, 60_000, 'every message on every device').catch((err: unknown) => {
        const seqs = d.getMessages(id).map((m) => `${m.seq ?? '?'}${m.status[0]}`);
        throw new Error(`${String(err)}; device ${devices.indexOf(d)} holds ${seqs.length}: ${seqs.join(' ')}`);
      });
    }
    const order = sentTexts(devices[0]!, id);
    for (const d of devices) {
      const messages = d.getMessages(id);
      expect(messages.map((m) => m.text)).toEqual(order);
      const seqs = messages.map((m) => m.seq!);
      expect(new Set(seqs).size).toBe(160);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    for (let i = 0; i < senders.length; i++) {
      expect(order.filter((t) => t.startsWith(`${i}:`))).toEqual(Array.from({ length: 40 }, (_, n) => `${i}:${n}`));
    }
  }, 150_000);

  it('keeps sending through a Redis outage and converges every device after it returns', async () => {
    freshData();
    const { alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    await alice.send(id, 'before');
    await waitFor(bob, (c) => texts(c, id).length === 1, 10_000, 'first delivery');

    await redis.stop();
    for (let i = 0; i < 10; i++) await alice.send(id, `during ${i}`);
    // The store is the truth: sends persist and ACK with Redis down.
    await waitFor(alice, (c) => sentTexts(c, id).length === 11, 10_000, 'acks during the outage');
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    // Nothing new is sent after Redis returns: bob must converge by the resync alone.
    await waitFor(bob, (c) => sentTexts(c, id).length === 11, 20_000, 'convergence after the outage');
    expect(sentTexts(bob, id)).toEqual(sentTexts(alice, id));
  }, 60_000);

  it('resyncs clients when Redis drops a subscriber that fell behind its output buffer limit', async () => {
    freshData();
    await redis.close();
    // A tiny pub/sub output buffer: a burst of pushes makes Redis cut the subscriber off.
    redis = await startRedis(['--client-output-buffer-limit', 'pubsub 32kb 16kb 1']);
    const { alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    const big = 'x'.repeat(4000);
    await Promise.all(Array.from({ length: 200 }, (_, i) => alice.send(id, `${i} ${big}`)));
    await waitFor(alice, (c) => sentTexts(c, id).length === 200, 30_000, 'acks');
    await waitFor(bob, (c) => sentTexts(c, id).length === 200, 30_000, 'bob converges');
    expect(sentTexts(bob, id)).toEqual(sentTexts(alice, id));
  }, 60_000);
});
