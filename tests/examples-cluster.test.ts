import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireRedis } from './helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(!requireRedis())('examples/cluster', () => {
  it('starts Redis and three nodes, and users on different nodes chat', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@parley/source', '--import', 'tsx', 'examples/cluster/src/cluster.ts', '--demo'],
      { cwd: ROOT, timeout: 60_000 },
    );
    const [node1, , node3] = [...stdout.matchAll(/node \d: (http:\/\/\S+)/g)].map((m) => m[1]);
    expect(stdout).toContain(`#2 alice: hi bob, this is alice on ${node1}`);
    expect(stdout).toContain(`#3 bob: hi alice, bob here on ${node3}`);
    expect(node1).not.toBe(node3);
  }, 90_000);
});
