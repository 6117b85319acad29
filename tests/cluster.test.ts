import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatClient } from '@parley/client-sdk';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { requireRedis } from './helpers/redis-server.js';
import { REDIS_DEPLOYMENTS, type RedisDeployment } from './helpers/redis-deployments.js';
import { startBalancer, type Balancer } from './helpers/tcp-balancer.js';
import { connectWire, nextId } from './helpers/wire-client.js';
import { online, sdkClient, sentTexts, texts, waitFor } from './helpers/sdk.js';

const hasRedis = requireRedis();
const DEV_SECRET = 'cluster-dev-secret-at-least-32-bytes!!';
/**
 * Deadlines of condition waits: generous, because CI shares two cores with whatever else runs
 * (nodes start from TypeScript sources, SQLite fsyncs, Redis reconnects). A passing wait returns
 * as soon as its condition holds, so a long deadline costs nothing; only a real failure waits.
 */
const WAIT = 60_000;
const TEST_TIMEOUT = 240_000;

let redis: RedisDeployment;
let dataDir: string;
const nodes: ReferenceProcess[] = [];
const chats: ChatClient[] = [];
const balancers: Balancer[] = [];

async function startNode(env: NodeJS.ProcessEnv = {}): Promise<ReferenceProcess> {
  const node = await startReferenceProcess(['--dev', '--store', 'sqlite', '--data-dir', dataDir], {
    ...redis.serverEnv,
    PARLEY_DEV_SECRET: DEV_SECRET,
    ...env,
  });
  nodes.push(node);
  return node;
}
const portOf = (url: string) => Number(new URL(url).port);

/** The Redis errors a node has counted (its /metrics), e.g. its connections to Redis dropping. */
async function redisErrors(node: ReferenceProcess): Promise<number> {
  const metrics = await (await fetch(`${node.url}/metrics`)).text();
  return Number(/^parley_redis_errors_total (\d+)/m.exec(metrics)?.[1] ?? 0);
}

/** What a device holds and how its connection stands: the message a failed wait needs. */
function describeChat(chat: ChatClient, conversationId?: string): string {
  const { status, attempt, lastError } = chat.getSnapshot().connection;
  const held = conversationId ? chat.getMessages(conversationId).map((m) => `${m.seq ?? '?'}${m.status[0]}`).join(' ') : '';
  return `connection ${status} (attempt ${attempt}, last error ${lastError ? `${lastError.code} ${lastError.message}` : 'none'}); holds ${held}`;
}

/** `waitFor` with the generous deadline, failing with what the device holds. */
function waitForChat(chat: ChatClient, check: (chat: ChatClient) => boolean, what: string, conversationId?: string): Promise<void> {
  return waitFor(chat, check, WAIT, what).catch((err: unknown) => {
    throw new Error(`${String(err)}; ${describeChat(chat, conversationId)}`);
  });
}

/** Polls an async condition until it holds or the deadline passes. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
function client(url: string, token: (userId: string) => Promise<string>, userId: string, deviceId?: string): ChatClient {
  const chat = sdkClient({ url, token }, userId, deviceId ? { deviceId } : {});
  chats.push(chat);
  return chat;
}

// The same failures on a single Redis and on a three-master Redis Cluster (REDIS_CLUSTER_URLS).
describe.skipIf(!hasRedis).each(REDIS_DEPLOYMENTS)('several nodes over %s', { timeout: TEST_TIMEOUT }, (_name, startDeployment) => {
  beforeAll(async () => {
    redis = await startDeployment();
  }, TEST_TIMEOUT);
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async ({ task }) => {
    // A failure on a busy machine is only fixable with what the nodes said: show it.
    if (task.result?.state === 'fail') {
      for (const [i, node] of nodes.entries()) console.error(`--- node ${i} (${node.url}) output:\n${node.output().slice(-3000)}`);
    }
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
    await waitFor(alice, online, WAIT, 'alice online');
    await waitFor(bob, online, WAIT, 'bob online');
    const { id } = await alice.openDirect('bob');
    return { a, b, alice, bob, id };
  }

  it('lets users on different nodes chat live, with receipts and typing relayed across nodes', async () => {
    freshData();
    const { a, b, alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    await alice.send(id, 'from node A');
    await waitFor(bob, (c) => texts(c, id).includes('from node A'), WAIT, 'cross-node delivery');
    await bob.send(id, 'from node B');
    await waitFor(alice, (c) => sentTexts(c, id).length === 2, WAIT, 'reply across nodes');
    expect(sentTexts(alice, id)).toEqual(['from node A', 'from node B']);
    expect(sentTexts(bob, id)).toEqual(['from node A', 'from node B']);

    // Receipts cross nodes too: bob reads on node B, alice's message turns to read on node A.
    bob.markRead(id);
    await waitFor(alice, (c) => c.getMessages(id)[0]?.receipt === 'read', WAIT, 'read receipt across nodes');

    // Typing, relayed volatile through Redis (seen at the wire level).
    const bobWire = await connectWire(b.url, { token: await b.issueToken('bob') });
    const aliceWire = await connectWire(a.url, { token: await a.issueToken('alice') });
    await aliceWire.waitFor((f) => f.type === 'welcome', WAIT);
    await bobWire.waitFor((f) => f.type === 'welcome', WAIT);
    aliceWire.send({ type: 'typing', conversationId: id });
    expect(await bobWire.waitFor((f) => f.type === 'typing.update', WAIT)).toMatchObject({ userId: 'alice', conversationId: id });
    aliceWire.close();
    bobWire.close();
  });

  it('drains only its own clients: a node shutting down leaves the other nodes` connections alone', async () => {
    freshData();
    const { a, alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    // A raw connection on node B sees a disconnect for what it is (the SDK would reconnect quietly).
    const bobWire = await connectWire(nodes[nodes.length - 1]!.url, { token: await nodes[nodes.length - 1]!.issueToken('bob') });
    await bobWire.waitFor((f) => f.type === 'welcome', WAIT);
    let dropped = false;
    bobWire.socket.on('disconnect', () => (dropped = true));
    const statuses: string[] = [];
    const off = bob.subscribe(() => statuses.push(bob.getSnapshot().connection.status));
    expect(await a.stop()).toBe(0);
    await waitFor(alice, (c) => c.getSnapshot().connection.status !== 'online', WAIT, 'alice cut off by her node draining');
    // Node B still serves bob on the same connections: a send and a request go through.
    await bob.send(id, 'still here');
    await waitFor(bob, (c) => sentTexts(c, id).includes('still here'), WAIT, 'bob`s message stored');
    await bobWire.request({ type: 'settings', reqId: nextId('s-') });
    off();
    expect(dropped, 'node B`s raw connection was disconnected by node A`s drain').toBe(false);
    expect(statuses.filter((s) => s !== 'online')).toEqual([]);
    bobWire.close();
  });

  it('shares presence across nodes; users of a killed node go offline after the TTL', async () => {
    freshData();
    const fast = { PARLEY_PRESENCE_TTL_MS: '1500', PARLEY_PRESENCE_GRACE_MS: '300', PARLEY_PRESENCE_HEARTBEAT_MS: '300' };
    const [a, b] = [await startNode(fast), await startNode(fast)];
    const alice = client(a.url, (u) => a.issueToken(u), 'alice');
    const bobPhone = client(b.url, (u) => b.issueToken(u), 'bob', 'bob-phone');
    await waitFor(alice, online, WAIT, 'alice online');
    await waitFor(bobPhone, online, WAIT, 'bob\'s phone online');
    await alice.openDirect('bob');
    expect(await alice.subscribePresence(['bob'])).toEqual({ denied: [] });
    await waitFor(alice, (c) => c.getSnapshot().presence.bob?.status === 'online', WAIT, 'bob online, seen from node A');

    // Bob's laptop, on node A, goes away; his phone on node B is still active: online wins.
    const bobLaptop = client(a.url, (u) => a.issueToken(u), 'bob', 'bob-laptop');
    await waitFor(bobLaptop, online, WAIT, 'bob\'s laptop online');
    bobLaptop.setAway(true);
    bobPhone.setAway(true);
    await waitFor(alice, (c) => c.getSnapshot().presence.bob?.status === 'away', WAIT, 'all of bob\'s devices away');
    bobLaptop.close();

    // Node B dies with bob's phone on it: nobody says goodbye, the TTL does.
    await b.kill();
    await waitFor(alice, (c) => c.getSnapshot().presence.bob?.status === 'offline', WAIT, 'bob offline after the TTL');
    expect(alice.getSnapshot().presence.bob?.lastSeenAt).toEqual(expect.any(Number));
  });

  it('makes one message of one clientMsgId sent concurrently to two nodes', async () => {
    freshData();
    const [a, b] = [await startNode(), await startNode()];
    const onA = await connectWire(a.url, { token: await a.issueToken('alice'), deviceId: 'alice-1' });
    const onB = await connectWire(b.url, { token: await b.issueToken('alice'), deviceId: 'alice-2' });
    await onA.waitFor((f) => f.type === 'welcome', WAIT);
    await onB.waitFor((f) => f.type === 'welcome', WAIT);
    onA.send({ type: 'direct.open', reqId: 'o', userId: 'bob' });
    const opened = await onA.waitFor((f) => f.type === 'conversation', WAIT);
    if (opened.type !== 'conversation') throw new Error('not opened');
    const id = opened.conversation.id;
    for (let i = 0; i < 20; i++) {
      const clientMsgId = nextId('twin-');
      onA.send({ type: 'send', conversationId: id, clientMsgId, data: { text: `twin ${i}` } });
      onB.send({ type: 'send', conversationId: id, clientMsgId, data: { text: `twin ${i}` } });
    }
    await onA.waitFor(() => onA.frames.filter((f) => f.type === 'ack').length === 20, WAIT);
    await onB.waitFor(() => onB.frames.filter((f) => f.type === 'ack').length === 20, WAIT);
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
    for (const d of devices) await waitFor(d, online, WAIT, 'online via balancer');
    const { id } = await devices[0]!.createGroup({ title: 'burst', members: users.slice(1) });
    for (const d of devices) await waitFor(d, (c) => c.getConversation(id) !== undefined, WAIT, 'group known');

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
      await waitFor(d, (c) => sentTexts(c, id).length === 160, WAIT, 'every message on every device').catch((err: unknown) => {
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
  });

  it('keeps sending through a Redis outage and converges every device after it returns', async () => {
    freshData();
    const { a, b, alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    await alice.send(id, 'before');
    await waitForChat(bob, (c) => texts(c, id).length === 1, 'first delivery', id);

    await redis.stop();
    for (let i = 0; i < 10; i++) await alice.send(id, `during ${i}`);
    // The store is the truth: sends persist and ACK with Redis down.
    await waitForChat(alice, (c) => sentTexts(c, id).length === 11, 'acks during the outage', id);
    // Redis returns only once both nodes have seen it go: the recovery path is what is tested.
    await until(async () => (await redisErrors(a)) > 0 && (await redisErrors(b)) > 0, WAIT, 'both nodes noticed the outage');
    await redis.start();
    // Nothing new is sent after Redis returns: bob must converge by the resync alone.
    await waitForChat(bob, (c) => sentTexts(c, id).length === 11, 'convergence after the outage', id);
    expect(sentTexts(bob, id)).toEqual(sentTexts(alice, id));
  });

  it('stays up when Redis dies while a node is publishing, and ACKs every send through the outage', async () => {
    freshData();
    const { a, b, alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    // Sends eight at a time, each wave once the last is ACKed: every ACK publishes to bob's node.
    let sent = 0;
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        for (let i = 0; i < 8; i++) void alice.send(id, `flood ${sent++}`);
        await waitForChat(alice, (c) => sentTexts(c, id).length === sent, `ACKs of the first ${sent}`, id);
      }
    })();
    await waitForChat(bob, (c) => texts(c, id).length >= 16, 'the flood reaching bob across nodes', id);
    // Redis dies with publishes in flight: their promises reject, and nothing may crash a node.
    await redis.stop();
    flooding = false;
    await flood;
    for (let i = 0; i < 8; i++) void alice.send(id, `after ${i}`);
    await waitForChat(alice, (c) => sentTexts(c, id).length === sent + 8, 'ACKs with Redis down', id);
    expect([a.child.exitCode, a.child.signalCode, b.child.exitCode, b.child.signalCode]).toEqual([null, null, null, null]);
    await redis.start();
    await waitForChat(bob, (c) => sentTexts(c, id).length === sent + 8, 'bob converging after the outage', id);
  });

  it('resyncs clients when Redis drops a subscriber that fell behind its output buffer limit', async () => {
    freshData();
    await redis.close();
    // A tiny pub/sub output buffer: a burst of pushes makes Redis cut the subscriber off.
    redis = await startDeployment(['--client-output-buffer-limit', 'pubsub 32kb 16kb 1']);
    const { alice, bob, id } = await aliceOnNodeAWithBobOnNodeB();
    const big = 'x'.repeat(4000);
    await Promise.all(Array.from({ length: 200 }, (_, i) => alice.send(id, `${i} ${big}`)));
    await waitForChat(alice, (c) => sentTexts(c, id).length === 200, 'acks', id);
    await waitForChat(bob, (c) => sentTexts(c, id).length === 200, 'bob converges', id);
    expect(sentTexts(bob, id)).toEqual(sentTexts(alice, id));
  });
});
