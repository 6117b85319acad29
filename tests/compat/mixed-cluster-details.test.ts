import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AckFrame, ClientFrame, ConversationPatch, LogEvent, ServerFrame } from '@parley/protocol';
import { createGroup, isEvent, syncAll } from '../helpers/fixtures.js';
import { sendOk } from '../helpers/content.js';
import { changeOk, historyPage } from '../helpers/changes.js';
import { requireRedis, startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { connectWire, nextId, type WireClient } from '../helpers/wire-client.js';
import { crashLines, devToken, startCurrentNode, startReleaseNode, type ClusterConfig, type ClusterNode } from './cluster-nodes.js';
import { expectNoHole, invalidFrames, oldDevice, type OldDevice } from './cluster-devices.js';
import { held, statusOf, waitOnline, waitUntil, WAIT } from './devices.js';
import { loadReleaseClient } from './releases.js';

// The deploy from protocol 5: a protocol-5 node and a new node on one Redis and one SQLite file.
// Today's users, on the new node, give the group roles, details and bans; the old node knows
// none of it. Its apps and the protocol-5 apps on the new node must see every message and every
// edit and reaction made on either node, hold the log with no hole and drop no frame; the old
// node must read the new kinds from the store (history, sync), show the new title in its
// summaries, and open the file again after the new node migrated it.

const hasRedis = requireRedis();
const DEV_SECRET = 'mixed-cluster-details-dev-secret-32-bytes';
const SETUP_TIMEOUT = 3 * WAIT;
const TEST_TIMEOUT = 5 * WAIT;

/** The part of the protocol-5 app's API these tests use beyond what releases.ts types (its own API). */
interface V5Message {
  readonly id?: string;
  readonly seq?: number;
  readonly text?: string;
  readonly editedAt?: number;
  readonly reactions: ReadonlyArray<{ key: string; userIds: readonly string[] }>;
}
interface V5Chat {
  edit(conversationId: string, messageId: string, text: string): Promise<unknown>;
  react(conversationId: string, messageId: string, key: string): Promise<unknown>;
  getMessages(conversationId: string): readonly V5Message[];
  getSnapshot(): { conversations: ReadonlyArray<{ id: string; title?: string | null }> };
}
const v5 = (device: OldDevice) => device.chat as unknown as V5Chat;
const messageOf = (device: OldDevice, conversationId: string, text: string) => v5(device).getMessages(conversationId).find((m) => m.text === text);
const titleOn = (device: OldDevice, conversationId: string) => v5(device).getSnapshot().conversations.find((c) => c.id === conversationId)?.title;
const messageTexts = (events: readonly LogEvent[]): string[] => events.flatMap((e) => (e.kind === 'message' ? [e.data.text ?? ''] : []));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function requestOk(client: WireClient, frame: Record<string, unknown>): Promise<ServerFrame> {
  const answer = await client.request({ ...frame, reqId: nextId('q-') } as ClientFrame & { reqId: string });
  if (answer.type === 'error') throw new Error(`${String(frame.type)} refused: ${JSON.stringify(answer)}`);
  return answer;
}

describe.skipIf(!hasRedis)('a protocol-5 node and a new node while today\'s users give the group roles, details and bans', () => {
  let redis: RedisProcess;
  let config: ClusterConfig;
  const nodes: ClusterNode[] = [];
  const wires: WireClient[] = [];
  const apps: OldDevice[] = [];
  let oldNode: ClusterNode, newNode: ClusterNode;
  let bob: WireClient, carol: WireClient;
  let aliceOld: OldDevice, daveOld: OldDevice, frankOld: OldDevice;
  let group = '';
  let lastSeq = 0;

  const wire = async (url: string, userId: string, protocol?: number) => {
    const client = await connectWire(url, { token: await devToken(url, userId), ...(protocol ? { protocol } : {}) });
    await client.waitFor((f) => f.type === 'welcome');
    wires.push(client);
    return client;
  };
  const app = (device: OldDevice) => (apps.push(device), device);
  const expectHealthy = () => {
    for (const node of nodes) expect(crashLines(node), `${node.name} output`).toEqual([]);
  };
  const track = async (ack: Promise<AckFrame>): Promise<AckFrame> => {
    const answer = await ack;
    lastSeq = Math.max(lastSeq, answer.seq);
    return answer;
  };
  /** A protocol-5 app's message, once stored (its seq known). */
  async function oldSend(device: OldDevice, text: string): Promise<V5Message> {
    await device.chat.send(group, text);
    await waitUntil(() => messageOf(device, group, text)?.seq !== undefined, `${text}: stored`, () => held(device, group));
    const message = messageOf(device, group, text)!;
    lastSeq = Math.max(lastSeq, message.seq!);
    return message;
  }

  beforeAll(async () => {
    redis = await startRedis();
    config = { dataDir: mkdtempSync(join(tmpdir(), 'parley-mixed-details-')), redisUrl: redis.url, devSecret: DEV_SECRET };
    // The old release creates the file, as it did before the deploy began; the new node migrates it.
    oldNode = await startReleaseNode('protocol-5', config);
    nodes.push(oldNode);
    newNode = await startCurrentNode('new node', config);
    nodes.push(newNode);
    const mod = await loadReleaseClient('protocol-5');
    aliceOld = app(oldDevice(mod, oldNode.url, 'alice', 'alice-protocol-5-app@old'));
    daveOld = app(oldDevice(mod, newNode.url, 'dave', 'dave-protocol-5-app@new'));
    frankOld = app(oldDevice(await loadReleaseClient('protocol-4'), oldNode.url, 'frank', 'frank-protocol-4-app@old'));
    bob = await wire(newNode.url, 'bob');
    carol = await wire(newNode.url, 'carol');
    await waitOnline([aliceOld, daveOld, frankOld]);
    group = await createGroup(bob, ['alice', 'carol', 'dave', 'erin', 'frank'], 'before the deploy');
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

  it('today\'s changes, roles, details and bans reach the apps on both nodes, each in a form it parses, with no hole', async () => {
    const plan = await track(sendOk(bob, group, { text: 'plan' }));
    await oldSend(aliceOld, 'alice through the old node');
    // Today's users change things on the new node; the protocol-5 apps on both nodes fold them.
    await changeOk(carol, group, plan.eventId, { kind: 'react', key: '🎉' });
    await changeOk(bob, group, plan.eventId, { kind: 'edit', text: 'plan (edited)' });
    // Roles, details and a ban: new kinds in the log, placeholders for every older app.
    await requestOk(bob, { type: 'members.role', conversationId: group, userId: 'carol', role: 'admin' });
    const patch: ConversationPatch = { title: 'renamed during the deploy', description: 'roles and details' };
    await requestOk(bob, { type: 'conversation.update', conversationId: group, patch });
    await requestOk(carol, { type: 'conversation.update', conversationId: group, patch: { custom: { pinned: 'plan' } } });
    await requestOk(carol, { type: 'members.remove', conversationId: group, userIds: ['erin'], ban: true });
    await oldSend(daveOld, 'dave through the new node');
    await track(sendOk(carol, group, { text: 'last of the round' }));

    for (const device of [aliceOld, daveOld]) {
      await expectNoHole(device, group, lastSeq);
      await waitUntil(() => messageOf(device, group, 'plan (edited)')?.reactions.map((r) => r.key).join() === '🎉', `${device.name} to show the edit and the reaction`, () => held(device, group));
      expect(v5(device).getMessages(group).map((m) => m.text), held(device, group)).toEqual(['plan (edited)', 'alice through the old node', 'dave through the new node', 'last of the round']);
    }
    // A protocol-4 app on the old node (which speaks protocol 4 too) cannot apply changes: it shows what was sent.
    await expectNoHole(frankOld, group, lastSeq);
    expect(frankOld.getMessages(group).map((m) => m.text), held(frankOld, group)).toEqual(['plan', 'alice through the old node', 'dave through the new node', 'last of the round']);
    for (const device of [aliceOld, daveOld]) {
      expect(invalidFrames(device), device.name).toEqual([]);
      expect(statusOf(device)).toBe('online');
    }
    expect(statusOf(frankOld)).toBe('online');
    for (const node of nodes) expect(node.ended(), `${node.name} still running`).toBeNull();
    expectHealthy();
  }, TEST_TIMEOUT);

  // Both nodes send the plain rooms protocol 4's form (fanout.ts PLAIN_VERSION), so a protocol-4
  // app on the old node parses what today's node broadcasts: no invalid frame, no warning.
  it('a protocol-4 app on the old node parses every frame today\'s node broadcasts', () => {
    expect(invalidFrames(frankOld), frankOld.name).toEqual([]);
  });

  // The old node sends its richest form (protocol 5's) to the v5 rooms: the protocol-5 apps on the
  // new node are in them and get an edit or a reaction made through the old node whole. Today's
  // apps joined protocol 5's rooms while protocol 6 was current (fanout.ts BRIDGED_VERSION: the
  // previous release's rooms only); now that the old node is more than one release back (outside
  // the supported mixed cluster, docs/operations.md) its live changes reach them in the plain
  // rooms' form, and the log gives them whole: their history shows the edit and the reaction.
  it('edits and reactions made through the old node reach the protocol-5 apps on the new node live, and today\'s users through the log', async () => {
    const mine = messageOf(aliceOld, group, 'alice through the old node')!;
    const plan = messageOf(aliceOld, group, 'plan (edited)')!;
    await v5(aliceOld).edit(group, mine.id!, 'alice through the old node (edited)');
    await v5(aliceOld).react(group, plan.id!, '👍');
    // What the old node broadcasts arrives in order: once its next message is here, the changes are too.
    await oldSend(aliceOld, 'alice after her changes');
    await waitUntil(() => bob.frames.filter(isEvent).some((f) => f.event.seq === lastSeq), 'bob to receive alice\'s next message');
    await waitUntil(() => messageOf(daveOld, group, 'alice after her changes')?.seq !== undefined, 'dave\'s app to show it', () => held(daveOld, group));
    const fromAlice = bob.frames.filter(isEvent).filter((f) => f.event.conversationId === group && f.event.senderId === 'alice').map((f) => f.event.kind);
    const seen = bob.frames.filter(isEvent).filter((f) => f.event.conversationId === group).map((f) => `${f.event.seq}:${f.event.kind}:${f.event.senderId}`);
    expect(fromAlice, `what bob (today's app, new node) received of alice's (all: ${seen.join(' ')}; lastSeq ${lastSeq})`).toContain('message');
    const page = await historyPage(bob, group);
    const folded = (id: string) => page.events.find((e) => e.kind === 'message' && e.id === id);
    expect(folded(mine.id!)).toMatchObject({ data: { text: 'alice through the old node (edited)' } });
    const planNow = folded(plan.id!);
    expect(planNow?.kind === 'message' ? planNow.state?.reactions?.map((r) => r.key).sort() : null).toEqual(['👍', '🎉'].sort());
    expect(messageOf(daveOld, group, 'alice through the old node (edited)'), held(daveOld, group)).toBeDefined();
    expect(messageOf(daveOld, group, 'plan (edited)')?.reactions.map((r) => r.key).sort()).toEqual(['👍', '🎉'].sort());
  }, TEST_TIMEOUT);

  it('the old node serves sync and history of a log with kinds it does not know, and summaries with the new title', async () => {
    const reader = await wire(oldNode.url, 'dave', 5);
    const { events, results } = await syncAll(reader, { [group]: 0 });
    expect(events.filter((e) => e.conversationId === group).map((e) => e.seq), 'every seq').toEqual(range(1, lastSeq));
    expect(messageTexts(events)).toEqual(expect.arrayContaining(['dave through the new node', 'last of the round', 'alice after her changes']));
    const summary = results.flatMap((r) => r.conversations).find((c) => c.id === group);
    expect(summary?.title).toBe('renamed during the deploy');
    const page = await historyPage(reader, group);
    expect(page.type).toBe('history.result');
    expect(messageTexts(page.events)).toContain('last of the round');
    expect(reader.invalid, 'frames protocol 5 could not parse').toEqual([]);

    // A protocol-5 app installed afresh against the old node: a cold sync through it, the new title listed.
    const fresh = app(oldDevice(await loadReleaseClient('protocol-5'), oldNode.url, 'dave', 'dave-reinstalled-protocol-5-app@old'));
    await waitOnline([fresh]);
    await waitUntil(() => messageOf(fresh, group, 'last of the round') !== undefined, 'the fresh app to show the group', () => held(fresh, group));
    await waitUntil(() => titleOn(fresh, group) === 'renamed during the deploy', 'the fresh app to list the new title', () => String(titleOn(fresh, group)));
    await expectNoHole(fresh, group, lastSeq);
    expect(invalidFrames(fresh)).toEqual([]);
    expect(oldNode.ended(), 'the old node still running').toBeNull();
    expectHealthy();
  }, TEST_TIMEOUT);

  it('an old node restarted after the new node migrated the file opens it and serves its apps', async () => {
    const dbFile = readdirSync(config.dataDir).find((f) => f.endsWith('.sqlite'))!;
    const db = new Database(join(config.dataDir, dbFile), { readonly: true, fileMustExist: true });
    const schema = db.prepare('SELECT version, readable_from AS readableFrom FROM parley_schema').get() as { version: number; readableFrom: number | null };
    db.close();
    expect(schema.version, 'the new node migrated the file').toBeGreaterThan(4);
    expect(schema.readableFrom ?? 0, 'the protocol-5 release (schema 4) may still open it').toBeLessThanOrEqual(4);

    expect(await oldNode.stop(), 'the old node drains and exits cleanly').toBe(0);
    const restarted = await startReleaseNode('protocol-5', config, oldNode.port);
    nodes.push(restarted);
    await waitUntil(() => statusOf(aliceOld) === 'online', 'the old node\'s app back', () => statusOf(aliceOld));
    // The old node's drain disconnected the cluster's raw wire clients too; apps reconnect by themselves.
    [bob, carol] = [await wire(newNode.url, 'bob'), await wire(newNode.url, 'carol')];
    const after = await track(sendOk(bob, group, { text: 'after the restart' }));
    await requestOk(carol, { type: 'conversation.update', conversationId: group, patch: { title: 'renamed after the restart' } });
    await changeOk(carol, group, after.eventId, { kind: 'react', key: '👍' });
    await oldSend(aliceOld, 'alice after the restart');
    for (const device of [aliceOld, daveOld]) {
      await expectNoHole(device, group, lastSeq);
      await waitUntil(() => messageOf(device, group, 'after the restart')?.reactions.length === 1, `${device.name} to show the reaction`, () => held(device, group));
      expect(invalidFrames(device), device.name).toEqual([]);
    }
    expect(restarted.ended()).toBeNull();
    expectHealthy();
  }, TEST_TIMEOUT);
});
