import type { Scenario } from './run-chaos.js';
import { killAndRestartDuringTraffic, populate } from './scenario-helpers.js';

// Files through crashes: devices send messages with files (upload slot, PUT through the proxy
// to the server's disk blob store, then the send) while the server is SIGKILLed and restarted,
// and the server sweeps uploads no message holds every half second with a TTL of a few
// seconds. The files oracle (oracle-files.ts) then holds the store to its promise: no message
// names a missing object, no held file was swept, each stored message carries what was sent.

export const uploadsSigkill: Scenario = {
  name: 'files: SIGKILL + restart during uploads, with the sweep running',
  server: () => ({ files: { unattachedTtlMs: 4000 } }),
  async run(ctx) {
    await populate(ctx);
    ctx.world.fileRate = 0.35;
    ctx.world.adminRate = 0.05;
    const kills = await killAndRestartDuringTraffic(ctx, [400, 1400]);
    ctx.note(`${kills} SIGKILLs during uploads`);
  },
};
