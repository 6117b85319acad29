/**
 * A Parley cluster on one machine: one redis-server, three `parley-server` nodes sharing one
 * SQLite file and one Redis, each on its own port. `--demo` also connects alice to node 1 and
 * bob to node 3, lets them talk, prints the conversation and stops everything.
 *
 *   npm start -w @parley/example-cluster          # runs until Ctrl-C
 *   npm run demo -w @parley/example-cluster       # the chat across nodes, then exit
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChatClient, type ChatClient } from '@parley/client-sdk';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NODES = 3;
const DEV_SECRET = 'example-cluster-dev-secret-32-bytes!';
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? (/Ready to accept connections/.test(out) ? 'ready' : null);
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
}

async function startCluster(): Promise<{ redisUrl: string; nodes: string[]; dataDir: string }> {
  const redisPort = await freePort();
  await run('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-cluster-'));
  const nodes: string[] = [];
  for (let i = 0; i < NODES; i++) {
    const cli = ['--conditions=@parley/source', '--import', 'tsx', 'packages/server-sdk/src/cli.ts'];
    nodes.push(await run(process.execPath, [...cli, '--dev', '--port', '0', '--data-dir', dataDir], {
      REDIS_URL: redisUrl,
      PARLEY_DEV_SECRET: DEV_SECRET,
      PARLEY_LOG_LEVEL: 'warn',
    }));
  }
  return { redisUrl, nodes, dataDir };
}

function clientOn(url: string, userId: string): ChatClient {
  return createChatClient({
    url,
    getToken: async () => {
      const res = await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) });
      return ((await res.json()) as { token: string }).token;
    },
  });
}

function until(chat: ChatClient, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const stop = chat.subscribe(() => {
      if (!check()) return;
      stop();
      resolve();
    });
  });
}

async function demo(nodes: string[]): Promise<void> {
  const alice = clientOn(nodes[0]!, 'alice');
  const bob = clientOn(nodes[NODES - 1]!, 'bob');
  const { id } = await alice.openDirect('bob');
  await alice.send(id, `hi bob, this is alice on ${nodes[0]}`);
  await until(bob, () => bob.getMessages(id).length === 1);
  await bob.send(id, `hi alice, bob here on ${nodes[NODES - 1]}`);
  await until(alice, () => alice.getMessages(id).filter((m) => m.status === 'sent').length === 2);
  for (const m of alice.getMessages(id)) console.log(`#${m.seq} ${m.senderId}: ${m.text}`);
  alice.close();
  bob.close();
}

function stopAll(dataDir?: string): void {
  for (const child of children) child.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

const { nodes, redisUrl, dataDir } = await startCluster();
console.log(`redis: ${redisUrl}\n${nodes.map((url, i) => `node ${i + 1}: ${url}`).join('\n')}`);
if (process.argv.includes('--demo')) {
  try {
    await demo(nodes);
  } finally {
    stopAll(dataDir);
  }
} else {
  console.log('Ctrl-C stops the cluster. Put any load balancer in front of the nodes.');
  process.on('SIGINT', () => {
    stopAll(dataDir);
    process.exit(0);
  });
}
