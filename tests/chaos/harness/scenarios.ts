import { mixedVersions } from './mixed-version-scenarios.js';
import { uploadsSigkill } from './upload-scenarios.js';
import { notificationsSigkill } from './notification-scenarios.js';
import { rateLimitPressure, storeBlips, storeBlipsMongo } from './refusal-scenarios.js';
import type { Scenario } from './run-chaos.js';
import { RawDevice } from './raw-device.js';
import { killAndRestartDuringTraffic, populate, whileRunning } from './scenario-helpers.js';
import { sleep, until } from './world.js';

export const sigkill: Scenario = {
  name: 'SIGKILL + restart on the same SQLite file',
  async run(ctx) {
    await populate(ctx);
    const kills = await killAndRestartDuringTraffic(ctx, [300, 1200]);
    ctx.note(`${kills} SIGKILLs`);
  },
};

export const sigstop: Scenario = {
  name: 'SIGSTOP / SIGCONT',
  async run(ctx) {
    await populate(ctx);
    let pauses = 0;
    await whileRunning(ctx.world.traffic(ctx.scale.trafficMs, ctx.scale.everyMs), async () => {
      await sleep(ctx.rng.int(200, 800));
      ctx.server.freeze();
      pauses++;
      await sleep(ctx.rng.int(300, 2500));
      ctx.server.thaw();
    });
    ctx.note(`${pauses} pauses`);
  },
};

export const proxyFaults: Scenario = {
  name: 'proxy: delay, cut mid-frame, reset, black hole',
  async run(ctx) {
    await populate(ctx);
    ctx.proxy.faults.delayMs = [0, 40];
    const struck: Record<string, number> = {};
    await whileRunning(ctx.world.traffic(ctx.scale.trafficMs, ctx.scale.everyMs), async () => {
      await sleep(ctx.rng.int(80, 400));
      const fault = ctx.proxy.strike();
      struck[fault] = (struck[fault] ?? 0) + 1;
    });
    ctx.note(`faults: ${JSON.stringify(struck)}`);
  },
};

export const lostAcks: Scenario = {
  name: 'lost ACKs (30% swallowed)',
  async run(ctx) {
    await populate(ctx);
    ctx.proxy.faults.dropAcks = 0.3;
    await ctx.world.traffic(ctx.scale.trafficMs, ctx.scale.everyMs);
    ctx.note(`${ctx.proxy.acksDropped} ACK frames dropped`);
  },
};

export const concurrentIds: Scenario = {
  name: 'same clientMsgId on two connections at once',
  async run(ctx) {
    await populate(ctx);
    const [conversationId, members] = [...ctx.world.conversations][0]!;
    const userId = members[0]!;
    const pair = await Promise.all(
      ['raw-a', 'raw-b'].map((deviceId) => RawDevice.connect(ctx.server.url, { token: () => ctx.issueToken(userId), deviceId })),
    );
    const traffic = ctx.world.traffic(ctx.scale.trafficMs, ctx.scale.everyMs);
    const count = Math.round(ctx.scale.trafficMs / 25);
    try {
      for (let i = 0; i < count; i++) {
        const clientMsgId = `concurrent-${ctx.rng.seed}-${i}`;
        const frame = { type: 'send' as const, conversationId, clientMsgId, data: { text: `twice ${i}` } };
        // Same tick, or a hair apart: both land in the store's dedup window.
        pair[0]!.send(frame);
        if (ctx.rng.chance(0.5)) await sleep(ctx.rng.int(0, 2));
        pair[1]!.send(frame);
        ctx.concurrent.push({ userId, conversationId, clientMsgId, connections: 2, acks: [] });
        if (i % 10 === 9) await sleep(20);
      }
      const answered = () => pair.reduce((sum, device) => sum + device.acks().size, 0);
      // A busy server answers 1,600 raw sends slowly: wait as long as answers keep coming.
      for (let seen = -1; seen < answered() && answered() < count * 2; ) {
        seen = answered();
        await until(() => answered() >= count * 2, 10_000, 'every concurrent send answered').catch(() => undefined);
      }
      const acks = pair.flatMap((device) => [...device.acks().values()]);
      for (const ack of acks) {
        ctx.concurrent.find((c) => c.clientMsgId === ack.clientMsgId)?.acks.push({ seq: ack.seq, eventId: ack.eventId });
      }
      const duplicates = acks.filter((a) => a.duplicate).length;
      const reconnects = pair.reduce((sum, device) => sum + device.reconnects, 0);
      ctx.note(`${count} ids × 2 connections; ${duplicates} answered as duplicate${reconnects > 0 ? `; ${reconnects} raw connections dropped and opened again` : ''}`);
    } finally {
      for (const device of pair) device.close();
      await traffic;
    }
  },
};

export const massReconnect: Scenario = {
  name: 'many clients dropped and reconnecting at once',
  async run(ctx) {
    const { world, scale } = ctx;
    // A raw connection per acting user would double the crowd: group requests run elsewhere.
    world.adminRate = 0;
    const users = Array.from({ length: scale.crowd }, (_, i) => `c${i}`);
    for (const user of users) world.addDevice(user);
    world.addDevice('outsider');
    for (let g = 0; g * 10 < users.length; g++) {
      const members = users.slice(g * 10, g * 10 + 10);
      await world.createGroup(world.devices.find((d) => d.userId === members[0])!, members, 60_000);
    }
    // Light traffic per client; what matters is the stampede after each drop.
    const traffic = world.traffic(scale.trafficMs, 1500);
    let dropped = 0;
    // Two waves, at about a third and two thirds of the traffic.
    for (const wait of [0.3, 0.35]) {
      await sleep(scale.trafficMs * wait);
      dropped += ctx.proxy.resetAll();
    }
    await traffic;
    ctx.note(`${users.length} clients; ${dropped} connections reset in two waves`);
  },
};

export { rateLimitPressure, storeBlips, storeBlipsMongo, mixedVersions, uploadsSigkill, notificationsSigkill };

export const SCENARIOS: Scenario[] = [
  sigkill, sigstop, proxyFaults, lostAcks, concurrentIds, massReconnect, rateLimitPressure, storeBlips, storeBlipsMongo, mixedVersions,
  uploadsSigkill, notificationsSigkill,
];
