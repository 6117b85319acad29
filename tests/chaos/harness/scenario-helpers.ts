import type { ChaosContext } from './run-chaos.js';
import { sleep, type CreateClient } from './world.js';

/**
 * Users u0…, each with its devices; random groups; one outsider in none of them. `clientFor`
 * picks the release a device runs (by its index among all devices); default: the current one.
 */
export async function populate(ctx: ChaosContext, clientFor?: (index: number) => CreateClient | undefined): Promise<void> {
  const { world, rng, scale } = ctx;
  const users = Array.from({ length: scale.users }, (_, i) => `u${i}`);
  for (const user of users) {
    for (let d = 0; d < scale.devicesPerUser; d++) world.addDevice(user, undefined, clientFor?.(world.devices.length));
  }
  world.addDevice('outsider');
  for (let g = 0; g < scale.groups; g++) {
    const members = users.filter(() => rng.chance(0.6));
    for (const fallback of users.slice(g % users.length)) if (members.length < 2 && !members.includes(fallback)) members.push(fallback);
    await world.createGroup(world.devices.find((d) => d.userId === members[0])!, members);
  }
}

/** Runs `strike` again and again until `traffic` is over. */
export async function whileRunning(traffic: Promise<void>, strike: () => Promise<void>): Promise<void> {
  let done = false;
  void traffic.finally(() => (done = true));
  while (!done) await strike();
  await traffic;
}

/**
 * Traffic while the server is SIGKILLed (no drain, no flush) every `killEveryMs` (a range) and
 * restarted on the same store after 50–600 ms, until the traffic is over. Resolves with the kills.
 */
export async function killAndRestartDuringTraffic(ctx: ChaosContext, killEveryMs: readonly [number, number]): Promise<number> {
  let kills = 0;
  await whileRunning(ctx.world.traffic(ctx.scale.trafficMs, ctx.scale.everyMs), async () => {
    await sleep(ctx.rng.int(killEveryMs[0], killEveryMs[1]));
    await ctx.server.kill();
    kills++;
    await sleep(ctx.rng.int(50, 600));
    await ctx.server.restart();
  });
  return kills;
}
