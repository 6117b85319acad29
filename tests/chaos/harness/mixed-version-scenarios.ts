import type { Scenario } from './run-chaos.js';
import { killAndRestartDuringTraffic, populate } from './scenario-helpers.js';
import type { CreateClient } from './world.js';

// The apps still out there when a server is upgraded: devices running the previous releases'
// clients (their snapshots in tests/fixtures/releases, negotiated down by the server) share the
// conversations with current ones, through crashes of the server. The oracle holds them all to
// the same promise: nothing lost, nothing doubled, one order on every device.

const RELEASES = ['protocol-2', 'protocol-3', 'protocol-4'] as const;

async function loadClient(release: (typeof RELEASES)[number]): Promise<CreateClient> {
  const url = new URL(`../../fixtures/releases/${release}/client.mjs`, import.meta.url).href;
  const mod = (await import(url)) as { createChatClient: CreateClient };
  return mod.createChatClient;
}

export const mixedVersions: Scenario = {
  name: 'SIGKILL + restart with devices on the previous releases\u2019 clients (protocol 2, 3 and 4)',
  async run(ctx) {
    const previous = await Promise.all(RELEASES.map(loadClient));
    // Every third device runs a previous release, alternating between them.
    await populate(ctx, (index) => (index % 3 === 1 ? previous[Math.floor(index / 3) % previous.length] : undefined));
    const old = ctx.world.devices.filter((_, i) => i % 3 === 1).length;
    const kills = await killAndRestartDuringTraffic(ctx, [400, 1400]);
    ctx.note(`${old} of ${ctx.world.devices.length} devices on previous releases; ${kills} SIGKILLs`);
  },
};
