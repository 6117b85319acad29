import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { requireRedis, startRedis, type RedisProcess } from '../helpers/redis-server.js';
import { crashLines, startCurrentNode, startReleaseNode, type ClusterConfig, type ClusterNode } from './cluster-nodes.js';
import { currentDevice, expectNoHole, invalidFrames, lastSeqOf, oldDevice, type CurrentDevice, type OldDevice } from './cluster-devices.js';
import { expectConverged, held, statusOf, waitOnline, waitUntil, WAIT, type Device, type Sent } from './devices.js';
import { loadReleaseClient, type ReleaseChatClient, type ReleaseClientModule, type ReleaseName } from './releases.js';

// A rolling deploy: a node of the previous release and a node of this one share one Redis and
// one SQLite file, with both releases' apps connected to both, until the old node is replaced.
// Deploys go one release at a time: the previous release is the one whose nodes share a cluster
// with this one (a node two releases back is not supported in a mixed cluster; see
// docs/operations.md). Its apps, and apps of the release before it, connect to both nodes.

const hasRedis = requireRedis();
const DEV_SECRET = 'mixed-cluster-dev-secret-at-least-32-bytes';
const SETUP_TIMEOUT = 3 * WAIT;
const TEST_TIMEOUT = 5 * WAIT;
const RELEASES: readonly ReleaseName[] = ['protocol-8'];
const protocolOf = (release: ReleaseName): number => Number(release.slice('protocol-'.length));
/** The releases before the old node's that the new nodes still speak: their apps connect during the deploy. */
const OLDER_APPS: Readonly<Record<ReleaseName, readonly ReleaseName[]>> = {
  'protocol-8': ['protocol-7', 'protocol-6', 'protocol-5', 'protocol-4', 'protocol-3', 'protocol-2'],
  'protocol-7': ['protocol-6', 'protocol-5', 'protocol-4', 'protocol-3', 'protocol-2'],
  'protocol-6': ['protocol-5', 'protocol-4', 'protocol-3', 'protocol-2'],
  'protocol-5': ['protocol-4', 'protocol-3', 'protocol-2'],
  'protocol-4': ['protocol-3', 'protocol-2'],
  'protocol-3': ['protocol-2'],
  'protocol-2': [],
};

/** The last message of `userId` a device holds (whichever of the user's devices sent it). */
const lastOf = (device: Device, conversationId: string, userId: string) =>
  device.getMessages(conversationId).filter((m) => m.senderId === userId).at(-1);

/** The conversations an old app lists (both releases' snapshots have them; the suite's description leaves them out). */
const listedBy = (device: OldDevice): string[] =>
  (device.chat.getSnapshot() as unknown as { conversations: ReadonlyArray<{ id: string }> }).conversations.map((c) => c.id);

/** Presence as both releases' apps have it (the suite's description of their API leaves it out). */
interface ReleasePresence {
  subscribePresence(userIds: string[]): Promise<unknown>;
  setAway(away: boolean): void;
  getSnapshot(): { presence: Readonly<Record<string, { status: string } | undefined>> };
}
const presenceOf = (device: OldDevice) => device.chat as unknown as ReleasePresence;

describe.skipIf(!hasRedis).each(RELEASES)('a rolling deploy from %s: old and new nodes share Redis and the SQLite file', (release) => {
  // Today's client on the old node: a node of an older protocol refuses it (server-outdated) until replaced.
  const currentOnOld = protocolOf(release) === PROTOCOL_VERSION;
  const olderApps = OLDER_APPS[release];
  let redis: RedisProcess;
  let config: ClusterConfig;
  let mod: ReleaseClientModule;
  let oldNode: ClusterNode;
  let newNode: ClusterNode;
  const nodes: ClusterNode[] = [];
  const stopped = new Set<ClusterNode>();
  const devices: Device[] = [];
  let aliceOld: OldDevice, alicePhone: CurrentDevice, bob: CurrentDevice, carol: CurrentDevice, daveOld: OldDevice;
  const ids = { group: '', aliceBob: '', carolDave: '', owned: '' };
  /** Everything sent during the deploy, per conversation, in the order each device sent it. */
  const sent = new Map<string, Sent[]>();

  const adopt = <D extends Device>(device: D): D => (devices.push(device), device);
  async function record(device: Device, conversationId: string, text: string): Promise<void> {
    await device.send(conversationId, text);
    sent.set(conversationId, [...(sent.get(conversationId) ?? []), { text, from: device.name }]);
  }
  const sentTo = (conversationId: string): Sent[] => sent.get(conversationId) ?? [];
  /** Neither node crashed, exited, or let an error go unhandled. */
  function expectHealthy(): void {
    for (const node of nodes) {
      if (!stopped.has(node)) expect(node.ended(), `${node.name} still running`).toBeNull();
      expect(crashLines(node), `${node.name} output`).toEqual([]);
    }
  }

  beforeAll(async () => {
    redis = await startRedis();
    config = { dataDir: mkdtempSync(join(tmpdir(), `parley-mixed-${release}-`)), redisUrl: redis.url, devSecret: DEV_SECRET };
    // The old release runs first and creates the file, as it did before the deploy began.
    oldNode = await startReleaseNode(release, config);
    nodes.push(oldNode);
    newNode = await startCurrentNode('new node', config);
    nodes.push(newNode);
    mod = await loadReleaseClient(release);

    aliceOld = adopt(oldDevice(mod, oldNode.url, 'alice', 'alice-old-app@old'));
    alicePhone = adopt(currentDevice(newNode.url, 'alice', 'alice-phone@new'));
    bob = adopt(currentDevice(newNode.url, 'bob', 'bob@new'));
    carol = adopt(currentDevice(oldNode.url, 'carol', 'carol@old'));
    daveOld = adopt(oldDevice(mod, newNode.url, 'dave', 'dave-old-app@new'));
    await waitOnline([aliceOld, alicePhone, bob, daveOld]);
    if (currentOnOld) await waitOnline([carol]);
    else await waitUntil(() => statusOf(carol) === 'server-outdated', 'carol (today\'s app) server-outdated on the old node', () => statusOf(carol));

    ids.group = (await aliceOld.chat.createGroup({ title: `deploy from ${release}`, members: ['bob', 'carol', 'dave'] })).id;
    ids.aliceBob = (await aliceOld.chat.openDirect('bob')).id;
    ids.carolDave = (await daveOld.chat.openDirect('carol')).id;
  }, SETUP_TIMEOUT);

  afterEach(({ task }) => {
    // A failure on a busy machine is only fixable with what the nodes said: show it.
    if (task.result?.state !== 'fail' || task.fails) return;
    for (const node of nodes) console.error(`--- ${node.name} (${node.url}, ${node.ended() ?? 'running'}):\n${node.output().slice(-4000)}`);
  });

  afterAll(async () => {
    for (const d of devices) d.close();
    const exits = new Map<string, number | null>();
    for (const node of nodes) exits.set(node.name, await node.stop());
    await redis?.close();
    if (config) rmSync(config.dataDir, { recursive: true, force: true });
    // Every node drained and exited cleanly, and none let an error go unhandled on the way out.
    expect(Object.fromEntries(exits)).toEqual(Object.fromEntries(nodes.map((n) => [n.name, 0])));
    for (const node of nodes) expect(crashLines(node), `${node.name} output`).toEqual([]);
  }, SETUP_TIMEOUT);

  const groupDevices = () => [aliceOld, alicePhone, bob, daveOld, ...(currentOnOld ? [carol] : [])];
  const carolDaveDevices = () => [daveOld, ...(currentOnOld ? [carol] : [])];

  it('delivers messages sent on either node to every member device on the other, once and in order', async () => {
    const senders = groupDevices();
    for (let i = 0; i < 3; i++) for (const d of senders) await record(d, ids.group, `${d.name} to the group ${i}`);
    for (let i = 0; i < 3; i++) {
      await record(aliceOld, ids.aliceBob, `alice's old app to bob ${i}`);
      await record(bob, ids.aliceBob, `bob to alice ${i}`);
    }
    await record(alicePhone, ids.aliceBob, 'alice\'s phone to bob');
    for (let i = 0; i < 3; i++) {
      await record(daveOld, ids.carolDave, `dave's old app to carol ${i}`);
      // The old node speaks an older protocol: today's app cannot connect, what carol writes waits in its outbox.
      await record(carol, ids.carolDave, `carol to dave ${i}`);
    }

    await expectConverged(groupDevices(), ids.group, sentTo(ids.group));
    await expectConverged([aliceOld, alicePhone, bob], ids.aliceBob, sentTo(ids.aliceBob));
    if (currentOnOld) await expectConverged(carolDaveDevices(), ids.carolDave, sentTo(ids.carolDave));
    else {
      const fromDave = sentTo(ids.carolDave).filter((m) => m.from === daveOld.name);
      await expectConverged([daveOld], ids.carolDave, fromDave);
      expect(statusOf(carol)).toBe('server-outdated');
      const queued = carol.getMessages(ids.carolDave).map((m) => [m.text, m.status]);
      expect(queued).toEqual([0, 1, 2].map((i) => [`carol to dave ${i}`, 'pending']));
    }
    expectHealthy();
  }, TEST_TIMEOUT);

  it('relays read receipts and typing across the nodes, both ways', async () => {
    // An old app on one node and today's app on the other (and, when the old node speaks today's
    // protocol, the other way round), in their direct conversation; two old apps in the group.
    const directs: Array<[Device, Device, string]> = [[aliceOld, bob, ids.aliceBob]];
    if (currentOnOld) directs.push([carol, daveOld, ids.carolDave]);
    for (const [a, b, id] of directs) {
      for (const [reader, writer] of [[a, b], [b, a]] as const) {
        reader.markRead(id);
        await waitUntil(
          () => lastOf(writer, id, writer.userId)?.receipt === 'read',
          `${writer.name} to see ${reader.name} read its messages`,
          () => `${held(writer, id)}; last ${JSON.stringify(lastOf(writer, id, writer.userId))}`,
        );
      }
    }
    for (const [a, b, id] of [...directs, [daveOld, aliceOld, ids.group] as [Device, Device, string]]) {
      for (const [typist, watcher] of [[a, b], [b, a]] as const) {
        // Typing expires by itself: keep typing until the other side shows it.
        await waitUntil(
          () => (typist.typing(id), (watcher.getSnapshot().typing[id] ?? []).includes(typist.userId)),
          `${watcher.name} to see ${typist.name} typing`,
          () => JSON.stringify(watcher.getSnapshot().typing),
        );
      }
    }
    expectHealthy();
  }, TEST_TIMEOUT);

  it('shares presence across the nodes, both ways, aggregated over a user\'s devices on both', async () => {
    const aliceApp = presenceOf(aliceOld);
    await aliceApp.subscribePresence(['bob']);
    expect(await bob.chat.subscribePresence(['alice'])).toEqual({ denied: [] });
    const bobSeen = (status: string) => () => aliceApp.getSnapshot().presence['bob']?.status === status;
    const aliceSeen = (status: string) => () => bob.chat.getSnapshot().presence['alice']?.status === status;
    const seen = () => `alice's old app sees ${JSON.stringify(aliceApp.getSnapshot().presence)}; bob sees ${JSON.stringify(bob.chat.getSnapshot().presence)}`;
    await waitUntil(bobSeen('online'), 'the old app on the old node to see bob (new node) online', seen);
    await waitUntil(aliceSeen('online'), 'bob to see alice online', seen);
    bob.chat.setAway(true);
    await waitUntil(bobSeen('away'), 'the old app to see bob away', seen);
    // Alice is away only when both her devices are, one on each node.
    aliceApp.setAway(true);
    alicePhone.chat.setAway(true);
    await waitUntil(aliceSeen('away'), 'bob to see alice away', seen);
    aliceApp.setAway(false);
    await waitUntil(aliceSeen('online'), 'bob to see alice back through her old app on the old node', seen);
    bob.chat.setAway(false);
    alicePhone.chat.setAway(false);
    await waitUntil(bobSeen('online'), 'the old app to see bob back', seen);
    expectHealthy();
  }, TEST_TIMEOUT);

  it('keeps old apps on both nodes receiving after a group owner leaves on the new node', async () => {
    ids.owned = (await bob.chat.createGroup({ title: 'owned by bob', members: ['alice', 'carol', 'dave'] })).id;
    const members = [aliceOld, alicePhone, daveOld, ...(currentOnOld ? [carol] : [])];
    await record(bob, ids.owned, 'bob before leaving');
    await expectConverged([...members, bob], ids.owned, sentTo(ids.owned));

    // Ownership passes on: a field protocol 2 has no place for. A protocol-2 old node relays the
    // frame as the new node wrote it (it knows no version rooms), so its old apps drop it and
    // fill the seq by gap fill: the documented limit of that one transition.
    await bob.chat.removeMembers(ids.owned, ['bob']);
    for (const d of members) {
      const text = `${d.name} after the owner left`;
      await record(d, ids.owned, text);
      await waitUntil(() => d.getMessages(ids.owned).some((m) => m.text === text && m.seq !== undefined), `${text}: stored`, () => held(d, ids.owned));
    }
    await expectConverged(members, ids.owned, sentTo(ids.owned));
    expectHealthy();
  }, TEST_TIMEOUT);

  it('leaves no hole at the end of an old app\'s log after the owner change', async () => {
    const lastSeq = lastSeqOf(alicePhone, ids.owned);
    for (const d of [aliceOld, daveOld]) await expectNoHole(d, ids.owned, lastSeq);
  }, TEST_TIMEOUT);

  // The deploy this release goes through has apps older than the old node's too, connected to the
  // new nodes (which speak them all): what the old node broadcasts reaches them through a new node,
  // and that node has to put it in their form, as it does for its own broadcasts.
  it.each(olderApps)('gives a %s app on the new node what the old node broadcasts, in a form it parses', async (older) => {
    const erin = adopt(oldDevice(await loadReleaseClient(older), newNode.url, 'erin', `erin-${older}-app@new`));
    await waitOnline([erin]);
    // An app on the old node makes a group (its summary names the owner) and leaves it
    // (ownership passes on): two frames protocol 2 has no form for. Today's app when the old node
    // speaks its version, else the old release's app there.
    const maker = currentOnOld
      ? { chat: carol.chat as Pick<ReleaseChatClient, 'createGroup' | 'removeMembers'>, userId: 'carol' }
      : { chat: aliceOld.chat, userId: 'alice' };
    const { id } = await maker.chat.createGroup({ title: `made on the old node for ${older}`, members: ['dave', 'erin'] });
    await waitUntil(() => listedBy(erin).includes(id), 'the new group listed on erin\'s app before any message', () => erin.warnings.join(' | '));
    await maker.chat.removeMembers(id, [maker.userId]);
    await record(daveOld, id, `dave's old app after the maker left (${older})`);
    await expectConverged([erin, daveOld], id, sentTo(id));
    await expectNoHole(erin, id, lastSeqOf(daveOld, id));
    expect(invalidFrames(erin)).toEqual([]);
    expectHealthy();
  }, TEST_TIMEOUT);

  it('completes the deploy: the old node is replaced by a new one, every app reconnects, everything sent is there once', async () => {
    expect(await oldNode.stop(), 'the old node drains and exits cleanly').toBe(0);
    stopped.add(oldNode);
    // While nothing listens at the old node's address, its apps queue.
    await record(aliceOld, ids.group, 'alice\'s old app while its node is replaced');
    const replacement = await startCurrentNode('replacement new node', config, oldNode.port);
    nodes.push(replacement);

    // Old apps negotiate their version with the new node; today's app on the old node
    // leaves server-outdated and delivers its outbox.
    const everyone = [aliceOld, alicePhone, bob, carol, daveOld];
    await waitOnline(everyone);
    for (const d of everyone) await record(d, ids.group, `${d.name} after the deploy`);

    await expectConverged(everyone, ids.group, sentTo(ids.group));
    await expectConverged([aliceOld, alicePhone, bob], ids.aliceBob, sentTo(ids.aliceBob));
    await expectConverged([carol, daveOld], ids.carolDave, sentTo(ids.carolDave));
    await expectConverged([aliceOld, alicePhone, carol, daveOld], ids.owned, sentTo(ids.owned));
    // On new nodes only now, old apps hold every conversation's log without a hole.
    for (const id of [ids.group, ids.aliceBob, ids.owned]) await expectNoHole(aliceOld, id, lastSeqOf(alicePhone, id));
    for (const id of [ids.group, ids.carolDave, ids.owned]) await expectNoHole(daveOld, id, lastSeqOf(carol, id));

    // Only new nodes now: an owner change reaches every old app, on either node, in its form.
    const warnedBefore = aliceOld.warnings.length;
    const { id } = await carol.chat.createGroup({ title: 'after the deploy', members: ['alice', 'dave'] });
    await carol.chat.removeMembers(id, ['carol']);
    await record(daveOld, id, 'dave\'s old app after carol left');
    await record(aliceOld, id, 'alice\'s old app after carol left');
    await expectConverged([aliceOld, daveOld, alicePhone], id, sentTo(id));
    for (const d of [aliceOld, daveOld]) await expectNoHole(d, id, lastSeqOf(alicePhone, id));
    expect([...aliceOld.warnings.slice(warnedBefore), ...daveOld.warnings].filter((w) => w.includes('invalid frame'))).toEqual([]);

    // Devices that start empty get the same history from the upgraded cluster.
    const fresh = [
      adopt(oldDevice(mod, replacement.url, 'dave', 'dave-reinstalled-old-app@replacement')),
      adopt(currentDevice(replacement.url, 'carol', 'carol-new-laptop@replacement')),
    ];
    await waitOnline(fresh);
    await expectConverged([...everyone, ...fresh], ids.group, sentTo(ids.group));
    await expectConverged([carol, daveOld, ...fresh], ids.carolDave, sentTo(ids.carolDave));
    expectHealthy();
  }, TEST_TIMEOUT);
});
