import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AckFrame, LogEvent } from '@parley/protocol';
import { createGroup, syncAll } from '../helpers/fixtures.js';
import { sendOk } from '../helpers/content.js';
import { changeOk, historyPage } from '../helpers/changes.js';
import { requireRedis, startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { connectWire, type WireClient } from '../helpers/wire-client.js';
import { crashLines, devToken, startCurrentNode, startReleaseNode, type ClusterConfig, type ClusterNode } from './cluster-nodes.js';
import { expectNoHole, invalidFrames, oldDevice, type OldDevice } from './cluster-devices.js';
import { held, statusOf, waitOnline, waitUntil, WAIT } from './devices.js';
import { loadReleaseClient } from './releases.js';

// The message model during the deploy from protocol 4: a protocol-4 node and a new node on one
// Redis and one SQLite file. Today's users, on the new node, edit, delete, react and reply in
// threads; the old node knows none of it. Its apps (protocol 4, and protocol 3 which it speaks
// too) must keep receiving every message in order with no hole and no frame they drop, and the
// old node must read the new kinds from the store (history, sync) without crashing, and open
// the file again after the new node migrated it (docs/operations.md, "Upgrading").

const hasRedis = requireRedis();
const DEV_SECRET = 'mixed-cluster-changes-dev-secret-32-bytes';
const SETUP_TIMEOUT = 3 * WAIT;
const TEST_TIMEOUT = 5 * WAIT;

/** A protocol-5 (or older, parsed by that release's schemas) wire client of the node at `url`. */
async function wireAt(url: string, userId: string, protocol?: number): Promise<WireClient> {
  const client = await connectWire(url, { token: await devToken(url, userId), ...(protocol ? { protocol } : {}) });
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

const messageTexts = (events: readonly LogEvent[]): string[] => events.flatMap((e) => (e.kind === 'message' ? [e.data.text ?? ''] : []));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(!hasRedis)('a protocol-4 node and a new node while today\'s users edit, delete, react and reply in threads', () => {
  let redis: RedisProcess;
  let config: ClusterConfig;
  const nodes: ClusterNode[] = [];
  const wires: WireClient[] = [];
  const apps: OldDevice[] = [];
  let oldNode: ClusterNode, newNode: ClusterNode;
  let bob: WireClient, carol: WireClient;
  let aliceOld: OldDevice, daveOld: OldDevice, erinOld: OldDevice;
  let group = '';
  /** The texts every old app shows of the group, in seq order (changes leave them as sent). */
  const shownTexts: string[] = [];
  let lastSeq = 0;

  const wire = async (url: string, userId: string, protocol?: number) => {
    const w = await wireAt(url, userId, protocol);
    wires.push(w);
    return w;
  };
  const app = (device: OldDevice) => (apps.push(device), device);
  function expectHealthy(): void {
    for (const node of nodes) expect(crashLines(node), `${node.name} output`).toEqual([]);
  }
  async function sent(ack: Promise<AckFrame>, text: string): Promise<AckFrame> {
    const answer = await ack;
    shownTexts.push(text);
    lastSeq = answer.seq;
    return answer;
  }
  /** An old app's message, once stored (its seq known), so what follows comes after it. */
  async function oldSend(device: OldDevice, text: string, options?: { replyTo?: string }): Promise<void> {
    await device.chat.send(group, text, options);
    await waitUntil(() => device.getMessages(group).some((m) => m.text === text && m.seq !== undefined), `${text}: stored`, () => held(device, group));
    shownTexts.push(text);
    lastSeq = Math.max(lastSeq, device.getMessages(group).find((m) => m.text === text)!.seq!);
  }

  beforeAll(async () => {
    redis = await startRedis();
    config = { dataDir: mkdtempSync(join(tmpdir(), 'parley-mixed-changes-')), redisUrl: redis.url, devSecret: DEV_SECRET };
    // The old release creates the file, as it did before the deploy began; the new node migrates it.
    oldNode = await startReleaseNode('protocol-4', config);
    nodes.push(oldNode);
    newNode = await startCurrentNode('new node', config);
    nodes.push(newNode);
    const [v4, v3] = [await loadReleaseClient('protocol-4'), await loadReleaseClient('protocol-3')];
    aliceOld = app(oldDevice(v4, oldNode.url, 'alice', 'alice-protocol-4-app@old'));
    daveOld = app(oldDevice(v4, newNode.url, 'dave', 'dave-protocol-4-app@new'));
    erinOld = app(oldDevice(v3, oldNode.url, 'erin', 'erin-protocol-3-app@old'));
    bob = await wire(newNode.url, 'bob');
    carol = await wire(newNode.url, 'carol');
    await waitOnline([aliceOld, daveOld, erinOld]);
    group = await createGroup(bob, ['alice', 'carol', 'dave', 'erin'], 'changes during the deploy');
  }, SETUP_TIMEOUT);

  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const node of nodes) console.error(`--- ${node.name} (${node.url}, ${node.ended() ?? 'running'}):\n${node.output().slice(-4000)}`);
  });

  afterAll(async () => {
    for (const d of apps) d.close();
    for (const w of wires) w.close();
    const exits = new Map<string, number | null>();
    for (const node of nodes) exits.set(node.name, await node.stop());
    await redis?.close();
    if (config) rmSync(config.dataDir, { recursive: true, force: true });
    expect(Object.fromEntries(exits)).toEqual(Object.fromEntries(nodes.map((n) => [n.name, 0])));
    expectHealthy();
  }, SETUP_TIMEOUT);

  it('old apps on both nodes get every message and thread reply in order, with no hole', async () => {
    const first = await sent(sendOk(bob, group, { text: 'first draft' }), 'first draft');
    const second = await sent(sendOk(bob, group, { text: 'second' }), 'second');
    const oops = await sent(sendOk(carol, group, { text: 'oops' }), 'oops');
    const root = await sent(sendOk(bob, group, { text: 'thread root' }), 'thread root');
    await oldSend(aliceOld, 'alice through the old node');
    await changeOk(bob, group, first.eventId, { kind: 'edit', text: 'first (edited)' });
    await changeOk(carol, group, second.eventId, { kind: 'react', key: '👍' });
    await changeOk(bob, group, second.eventId, { kind: 'react', key: '🎉' });
    await changeOk(carol, group, second.eventId, { kind: 'unreact', key: '👍' });
    // The group's owner deletes carol's message.
    await changeOk(bob, group, oops.eventId, { kind: 'delete' });
    const reply = await sent(sendOk(carol, group, { text: 'a thread reply', threadId: root.eventId }), 'a thread reply');
    await changeOk(bob, group, reply.eventId, { kind: 'react', key: '👀' });
    await oldSend(erinOld, 'erin\'s protocol-3 app through the old node');
    const secondView = aliceOld.getMessages(group).find((m) => m.text === 'second') as { id?: string } | undefined;
    await oldSend(aliceOld, 'alice quotes second', { replyTo: secondView!.id! });
    await sent(sendOk(bob, group, { text: 'last of the round' }), 'last of the round');

    for (const device of [aliceOld, daveOld, erinOld]) {
      await expectNoHole(device, group, lastSeq);
      // An old app cannot apply a change: it keeps showing each message as it arrived.
      expect(device.getMessages(group).map((m) => m.text), held(device, group)).toEqual(shownTexts);
      expect(statusOf(device)).toBe('online');
    }
    // The new node gives its protocol-4 apps, and every node its protocol-3 apps (version rooms),
    // a form they parse. The old node's own protocol-4 apps: see the known gap below.
    for (const device of [daveOld, erinOld]) expect(invalidFrames(device), device.name).toEqual([]);
    for (const node of nodes) expect(node.ended(), `${node.name} still running`).toBeNull();
    expectHealthy();
  }, TEST_TIMEOUT);

  // The plain rooms carry the previous release's (protocol 4's) form: a protocol-4 node hands what
  // arrives there to its apps as it is, so they must parse all of it, at once.
  it('a protocol-4 app on the old node drops no frame: a thread reply and its edit reach it at once, in its form', async () => {
    const warned = aliceOld.warnings.length;
    const other = await createGroup(bob, ['alice', 'carol'], 'a quick edit');
    const root = await sendOk(bob, other, { text: 'root' });
    const reply = await sendOk(carol, other, { text: 'reply', threadId: root.eventId });
    await changeOk(carol, other, reply.eventId, { kind: 'edit', text: 'reply (edited)' });
    const last = await sendOk(bob, other, { text: 'after' });
    await expectNoHole(aliceOld, other, last.seq);
    expect(aliceOld.warnings.slice(warned), 'frames the old node\'s protocol-4 app dropped').toEqual([]);
    expect(aliceOld.getMessages(other).map((m) => m.text)).toEqual(['root', 'reply', 'after']);
  }, TEST_TIMEOUT);

  it('the old node serves sync and history of a log with kinds it does not know, in forms its apps parse', async () => {
    for (const protocol of [4, 3]) {
      const reader = await wire(oldNode.url, 'dave', protocol);
      const { events } = await syncAll(reader, { [group]: 0 });
      const seqs = events.filter((e) => e.conversationId === group).map((e) => e.seq);
      expect(seqs, `protocol ${protocol}: every seq, changes as placeholders`).toEqual(range(1, lastSeq));
      const texts = messageTexts(events);
      expect(texts, `protocol ${protocol}`).not.toContain('oops');
      expect(texts).toEqual(expect.arrayContaining(['second', 'thread root', 'a thread reply', 'alice through the old node', 'last of the round']));
      const page = await historyPage(reader, group);
      expect(page.type).toBe('history.result');
      expect(messageTexts(page.events)).not.toContain('oops');
      expect(reader.invalid, `protocol ${protocol}: frames it could not parse`).toEqual([]);
    }
    // A protocol-4 app installed afresh against the old node: a cold sync through it.
    const fresh = app(oldDevice(await loadReleaseClient('protocol-4'), oldNode.url, 'dave', 'dave-reinstalled-protocol-4-app@old'));
    await waitOnline([fresh]);
    await waitUntil(() => fresh.getMessages(group).some((m) => m.text === 'last of the round'), 'the fresh app to show the group', () => held(fresh, group));
    await expectNoHole(fresh, group, lastSeq);
    expect(fresh.getMessages(group).map((m) => m.text)).not.toContain('oops');
    expect(invalidFrames(fresh)).toEqual([]);
    expect(oldNode.ended(), 'the old node still running').toBeNull();
    expectHealthy();
  }, TEST_TIMEOUT);

  // An erased message is stored with an `erased` mark the protocol-4 node does not know: with no
  // content left, that node shows it to its apps as its placeholder, not as an empty message.
  it('a protocol-4 app syncing through the old node shows no empty message for a deleted or edited one', async () => {
    const reader = await wire(oldNode.url, 'dave', 4);
    const { events } = await syncAll(reader, { [group]: 0 });
    const empty = events.filter((e) => e.kind === 'message' && e.data.text === undefined && e.data.custom === undefined);
    expect(empty.map((e) => e.seq), 'messages with neither text nor app data').toEqual([]);
  }, TEST_TIMEOUT);

  it('an old node restarted after the new node migrated the file opens it and serves its apps', async () => {
    // A rolling deploy restarts old nodes too (a crash, a host reboot): the migration was additive.
    const dbFile = readdirSync(config.dataDir).find((f) => f.endsWith('.sqlite'))!;
    const db = new Database(join(config.dataDir, dbFile), { readonly: true, fileMustExist: true });
    const schema = db.prepare('SELECT version, readable_from AS readableFrom FROM parley_schema').get() as { version: number; readableFrom: number | null };
    db.close();
    expect(schema.version, 'the new node migrated the file').toBeGreaterThan(3);
    expect(schema.readableFrom ?? 0, 'the protocol-4 release (schema 3) may still open it').toBeLessThanOrEqual(3);

    expect(await oldNode.stop(), 'the old node drains and exits cleanly').toBe(0);
    const restarted = await startReleaseNode('protocol-4', config, oldNode.port);
    nodes.push(restarted);
    await waitUntil(() => statusOf(aliceOld) === 'online' && statusOf(erinOld) === 'online', 'the old node\'s apps back', () => `${statusOf(aliceOld)} ${statusOf(erinOld)}`);
    // The old node's drain disconnected every socket of the cluster, the new node's too (its
    // `nsp.disconnectSockets` goes through the Redis adapter to every node); apps reconnect by
    // themselves, these raw wire clients do not: connect them again.
    [bob, carol] = [await wire(newNode.url, 'bob'), await wire(newNode.url, 'carol')];
    const after = await sent(sendOk(bob, group, { text: 'after the restart' }), 'after the restart');
    await changeOk(carol, group, after.eventId, { kind: 'react', key: '👍' });
    await oldSend(aliceOld, 'alice after the restart');
    for (const device of [aliceOld, daveOld, erinOld]) {
      await expectNoHole(device, group, lastSeq);
      expect(device.getMessages(group).map((m) => m.text), held(device, group)).toEqual(shownTexts);
    }
    for (const device of [daveOld, erinOld]) expect(invalidFrames(device), device.name).toEqual([]);
    expect(restarted.ended()).toBeNull();
    expectHealthy();
  }, TEST_TIMEOUT);
});
