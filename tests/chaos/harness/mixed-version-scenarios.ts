import type { Scenario } from './run-chaos.js';
import { killAndRestartDuringTraffic, populate } from './scenario-helpers.js';
import type { CreateClient } from './world.js';

// The apps still out there when a server is upgraded: devices running the previous releases'
// clients (their snapshots in tests/fixtures/releases, negotiated down by the server) share the
// conversations with current ones, through crashes of the server. The oracle holds them all to
// the same promise: nothing lost, nothing doubled, one order on every device.

const RELEASES = ['protocol-2', 'protocol-3', 'protocol-4', 'protocol-5', 'protocol-6', 'protocol-7', 'protocol-8'] as const;

async function loadClient(release: (typeof RELEASES)[number]): Promise<CreateClient> {
  const url = new URL(`../../fixtures/releases/${release}/client.mjs`, import.meta.url).href;
  const mod = (await import(url)) as { createChatClient: CreateClient };
  return mod.createChatClient;
}

export const mixedVersions: Scenario = {
  name: 'SIGKILL + restart with devices on the previous releases\u2019 clients (protocol 2 to 7)',
  async run(ctx) {
    const previous = await Promise.all(RELEASES.map(loadClient));
    // Each user's second device runs a previous release (the phone updated, the laptop not),
    // cycling through them: even the short run has one device on each.
    await populate(ctx, (index) => (index % 2 === 1 ? previous[Math.floor(index / 2) % previous.length] : undefined));
    const old = ctx.world.devices.filter((d) => d.previous).length;
    const kills = await killAndRestartDuringTraffic(ctx, [400, 1400]);
    ctx.note(`${old} of ${ctx.world.devices.length} devices on previous releases; ${kills} SIGKILLs`);
  },
};
