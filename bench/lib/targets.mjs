// The systems under test. Each `start()` runs fresh server processes (so one workload's memory
// never counts against the next) and returns `{ target, stats, stop }`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './processes.mjs';

// `options` go to startServer (e.g. `nodeArgs: ['--cpu-prof']`, used by bench/lib/alone.mjs).
const single = (script, kind, args = []) => async (options) => {
  const server = await startServer(script, args, options);
  return { target: { kind, url: server.url }, stats: server.stats, stop: server.stop };
};

export const TARGETS = {
  B1: { label: 'B1 raw ws relay', start: single('bench/servers/ws-relay.mjs', 'ws') },
  B2: { label: 'B2 raw socket.io relay', start: single('bench/servers/sio-relay.mjs', 'sio') },
  B4: { label: 'B4 2× socket.io + Redis adapter', start: startRedisPair, available: hasRedis },
  memory: { label: 'Parley, memory store', start: single('bench/servers/parley.mjs', 'parley', ['--store', 'memory']) },
  sqlite: { label: 'Parley, SQLite store', start: startParleySqlite },
  sqlite2: { label: 'Parley, SQLite store, 2 nodes + Redis', start: startParleyPair, available: hasRedis },
};

async function startParleySqlite(options) {
  // On the real disk (not tmpfs): synchronous=FULL pays for its fsyncs here as in production.
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const server = await startServer('bench/servers/parley.mjs', ['--store', 'sqlite', '--data-dir', dir], options);
  return {
    target: { kind: 'parley', url: server.url },
    stats: server.stats,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function hasRedis() {
  return spawnSync('redis-server', ['--version']).status === 0;
}

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A fresh redis-server on a free loopback port, nothing persisted (pub/sub and presence only). */
async function startRedis() {
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(port);
  return { redis, url: `redis://127.0.0.1:${port}` };
}

/**
 * W5: two Parley nodes over one Redis, opening the same SQLite file (WAL, so both processes may
 * write) and signing dev tokens with the same secret. A memory store cannot be shared between
 * processes, so the single node W5 is compared to is the SQLite one.
 */
async function startParleyPair() {
  const { redis, url } = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const args = ['--store', 'sqlite', '--data-dir', dir, '--redis', url, '--dev-secret', randomBytes(24).toString('hex')];
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    redis.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One after the other: the first creates the schema the second then finds.
    for (let i = 0; i < 2; i++) nodes.push(await startServer('bench/servers/parley.mjs', args));
  } catch (err) {
    await stop();
    throw err;
  }
  return { target: { kind: 'parley', url: nodes[0].url, urls: nodes.map((n) => n.url) }, stats: nodes[0].stats, stop };
}

async function startRedisPair() {
  // Loopback only, nothing persisted: the adapter uses pub/sub, not storage.
  const { redis, url } = await startRedis();
  const nodes = [];
  try {
    for (let i = 0; i < 2; i++) nodes.push(await startServer('bench/servers/sio-relay.mjs', ['--redis', url]));
  } catch (err) {
    redis.kill('SIGKILL');
    throw err;
  }
  return {
    target: { kind: 'sio', url: nodes[0].url, urls: nodes.map((n) => n.url) },
    stats: nodes[0].stats,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      redis.kill('SIGTERM');
    },
  };
}

async function waitForPort(port) {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}
