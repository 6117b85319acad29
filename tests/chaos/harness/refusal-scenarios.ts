import { mongoUnavailable } from './chaos-database.js';
import type { Scale, Scenario } from './run-chaos.js';
import { populate, whileRunning } from './scenario-helpers.js';
import { sleep } from './world.js';

// Scenarios where the server refuses sends retryably (a rate limit, a store that blips) while
// later sends of the same device are already on the wire: the oracle's `reordered` count says
// whether a refused message was stored behind one its device sent after it.

/** Sends per second one user offers in `world.traffic`: each device about one per `everyMs`. */
/** Average messages a device sends at once (1 to 2·BURST−1). */
const BURST = 3;

const offeredPerUser = (scale: Scale) => (scale.devicesPerUser * 1000) / scale.everyMs;

export const rateLimitPressure: Scenario = {
  name: 'rate-limit pressure (senders at 2× the send limit)',
  // A small burst: the bucket runs dry within the first second and stays near empty.
  server: (scale) => ({ sendRate: { perSecond: offeredPerUser(scale) / 2, burst: 2 } }),
  async run(ctx) {
    await populate(ctx);
    // Bursts put several messages of a device on the wire together: refused together, each
    // retried after its own jittered backoff. At twice the limit, half of what is offered is
    // still queued when the traffic stops and drains at the limit: at most 10 s of it, so the
    // backlog fits in the settle time of the long run.
    await ctx.world.traffic(Math.min(ctx.scale.trafficMs, 10_000), ctx.scale.everyMs, ctx.world.devices, BURST);
    ctx.note(`send limit ${(offeredPerUser(ctx.scale) / 2).toFixed(1)}/s per user, offered ${offeredPerUser(ctx.scale).toFixed(1)}/s`);
  },
};

export const storeBlips: Scenario = {
  name: 'store blips (SQLite calls fail in short seeded windows)',
  server: () => ({ storeBlips: true }),
  async run(ctx) {
    await populate(ctx);
    ctx.server.storeBlips(true);
    await ctx.world.traffic(ctx.scale.trafficMs, ctx.scale.everyMs, ctx.world.devices, BURST);
  },
};

export const storeBlipsMongo: Scenario = {
  name: 'store blips on MongoDB (FerretDB), FerretDB SIGKILLed and restarted mid-burst',
  server: () => ({ store: 'mongodb', storeBlips: true }),
  unavailable: mongoUnavailable,
  async run(ctx) {
    await populate({ ...ctx, scale: { ...ctx.scale, users: Math.min(ctx.scale.users, 4), groups: Math.min(ctx.scale.groups, 2) } });
    const { ferret } = ctx.database;
    if (!ferret) ctx.note('the MongoDB of PARLEY_TEST_MONGODB_URI is not ours to kill: store blips only');
    ctx.server.storeBlips(true);
    // FerretDB stores about ten messages a second here. Offered more, the clients' ACK timeouts
    // resend every message in flight and the backlog grows instead of draining (see
    // docs/benchmarks.md), so this scenario keeps the short run's size in the long run too and
    // offers about five messages a second in all.
    const everyMs = ctx.world.devices.length * 200;
    const trafficMs = Math.min(ctx.scale.trafficMs * 2, 20_000);
    await whileRunning(ctx.world.traffic(trafficMs, everyMs, ctx.world.devices, BURST), async () => {
      await sleep(ctx.rng.int(500, 2000));
      if (!ferret) return;
      await ferret.kill();
      await sleep(ctx.rng.int(50, 500));
      await ferret.start();
    });
    if (ferret) ctx.note(`${ferret.kills} FerretDB SIGKILLs`);
  },
};
