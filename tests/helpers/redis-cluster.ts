import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { freePort, startRedis, type RedisProcess } from './redis-server.js';

const CLI = process.env.PARLEY_REDIS_CLI ?? 'redis-cli';
const READY_TIMEOUT_MS = 60_000;

export interface RedisClusterProcess {
  /** One `redis://` URL per master: node-redis' `createCluster({ rootNodes })` takes them as `{ url }`. */
  readonly urls: string[];
  readonly masters: readonly RedisProcess[];
  /** Kills every master (SIGKILL: an outage of the whole cluster). */
  stop(): Promise<void>;
  /** Starts every master again on its port and dir (its nodes.conf keeps its slots) and waits until the cluster is ok. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real Redis Cluster of `size` masters without replicas, on free loopback ports: each a
 * `redis-server --cluster-enabled yes` in its own temp dir, joined by `redis-cli --cluster create`.
 * Resolves once every master says `cluster_state:ok` and knows every node and every slot.
 */
export async function startRedisCluster(size = 3, extraArgs: string[] = []): Promise<RedisClusterProcess> {
  const masters: RedisProcess[] = [];
  try {
    for (let i = 0; i < size; i++) {
      // The bus port is chosen too: the default (port + 10000) may be taken, or past 65535.
      const busPort = await freePort();
      masters.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', '5000', ...extraArgs]));
    }
    await promisify(execFile)(CLI, ['--cluster', 'create', ...masters.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: READY_TIMEOUT_MS,
    });
    await untilClusterOk(masters);
  } catch (err) {
    await Promise.allSettled(masters.map((m) => m.close()));
    throw err;
  }
  return {
    urls: masters.map((m) => m.url),
    masters,
    async stop() {
      await Promise.all(masters.map((m) => m.stop()));
    },
    async start() {
      await Promise.all(masters.map((m) => m.start()));
      await untilClusterOk(masters);
    },
    async close() {
      await Promise.allSettled(masters.map((m) => m.close()));
    },
  };
}

/** Waits until every master reports the cluster ok, with all nodes known and all slots served. */
async function untilClusterOk(masters: readonly RedisProcess[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  for (const master of masters) {
    const client = createClient({ url: master.url, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    await client.connect();
    try {
      for (;;) {
        last = String(await client.sendCommand(['CLUSTER', 'INFO']));
        const info = Object.fromEntries(last.split(/\r?\n/).map((line) => line.split(':') as [string, string]));
        if (info.cluster_state === 'ok' && Number(info.cluster_known_nodes) === masters.length && info.cluster_slots_ok === '16384') break;
        if (Date.now() > deadline) throw new Error(`Redis Cluster not ok on ${master.port} within ${READY_TIMEOUT_MS} ms: ${last}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      client.destroy();
    }
  }
}
