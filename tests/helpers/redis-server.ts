import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env.PARLEY_REDIS_SERVER ?? 'redis-server';
const START_TIMEOUT_MS = 30_000;

/** Whether a `redis-server` binary runs here. In CI a missing one fails the suite (see `requireRedis`). */
export function redisAvailable(): boolean {
  return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Throws in CI when Redis is missing, so a suite never passes by skipping; elsewhere tells vitest to skip. */
export function requireRedis(): boolean {
  if (redisAvailable()) return true;
  if (process.env.CI === 'true') throw new Error('redis-server is required in CI (install it: apt-get install redis-server)');
  console.warn('redis-server not found: skipping the multi-node suite (apt-get install redis-server)');
  return false;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface RedisProcess {
  url: string;
  port: number;
  /** Stops the server (SIGKILL: an outage, not a shutdown); nothing if it is stopped already. */
  stop(): Promise<void>;
  /** Starts it again on the same port (nothing if it runs). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A real redis-server on a free loopback port, without persistence, with extra config lines. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'parley-redis-'));
  let child: ChildProcess | undefined;
  // Resolves when the current child has exited; registered at spawn, so that a child killed
  // earlier (exitCode stays null after a signal) never leaves a later stop() waiting forever.
  let exited: Promise<void> = Promise.resolve();
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const start = async () => {
    if (running()) return;
    const started = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
      stdio: 'ignore',
    });
    child = started;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    // A deadline in time, not in tries: on a busy machine a start can take seconds.
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (!running()) throw new Error(`redis-server exited at start (code ${started.exitCode}; port ${port} taken?)`);
      if (Date.now() > deadline) throw new Error(`redis-server did not accept connections on ${port} within ${START_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const stop = async () => {
    if (running()) child!.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
