// The systems under test. Each `start()` runs fresh server processes (so one workload's memory
// never counts against the next) and returns `{ target, stats, stop }`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './processes.mjs';

const single = (script, kind, args = []) => async () => {
  const server = await startServer(script, args);
  return { target: { kind, url: server.url }, stats: server.stats, stop: server.stop };
};

export const TARGETS = {
  B1: { label: 'B1 raw ws relay', start: single('bench/servers/ws-relay.mjs', 'ws') },
  B2: { label: 'B2 raw socket.io relay', start: single('bench/servers/sio-relay.mjs', 'sio') },
  B4: { label: 'B4 2× socket.io + Redis adapter', start: startRedisPair, available: hasRedis },
  memory: { label: 'Parley, memory store', start: single('bench/servers/parley.mjs', 'parley', ['--store', 'memory']) },
  sqlite: { label: 'Parley, SQLite store', start: startParleySqlite },
};

async function startParleySqlite() {
  // On the real disk (not tmpfs): synchronous=FULL pays for its fsyncs here as in production.
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const server = await startServer('bench/servers/parley.mjs', ['--store', 'sqlite', '--data-dir', dir]);
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

async function startRedisPair() {
  const port = await freePort();
  // Loopback only, nothing persisted: the adapter uses pub/sub, not storage.
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await waitForPort(port);
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
