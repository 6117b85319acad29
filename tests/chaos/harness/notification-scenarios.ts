import type { Scenario } from './run-chaos.js';
import { AWAY } from './oracle-notifications.js';
import { killAndRestartDuringTraffic, populate } from './scenario-helpers.js';

// Notifications through crashes: every group has a member with no device (away the whole run),
// and the server's notify hook records what it sends. The server is SIGKILLed and restarted
// amid the traffic; the notifications oracle (oracle-notifications.ts) then requires the queue to
// drain and the away member to have been told of each conversation's last message.

export const notificationsSigkill: Scenario = {
  name: 'notifications: SIGKILL + restart with a member away in every group',
  server: () => ({ notifications: { delayMs: 200 } }),
  async run(ctx) {
    await populate(ctx);
    for (const [id, members] of [...ctx.world.conversations]) {
      const owner = ctx.world.devices.find((d) => d.userId === members[0])!;
      await owner.chat.addMembers(id, [AWAY]);
      ctx.world.conversations.set(id, [...members, AWAY]);
    }
    const kills = await killAndRestartDuringTraffic(ctx, [400, 1400]);
    ctx.note(`${kills} SIGKILLs with notifications queued`);
  },
};
