// The Parley server a chaos run attacks, as its own process: SQLite in CHAOS_DATA_DIR (so a
// SIGKILL loses only what was never ACKed), development auth under CHAOS_SECRET (the harness
// issues tokens itself, even while this process is stopped), rate limits lifted, and short
// heartbeats so a black-holed connection is noticed within seconds.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Server } from 'socket.io';
import { createChatServer, createDevAuth, silentLogger } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';

const dataDir = process.env.CHAOS_DATA_DIR;
const secret = process.env.CHAOS_SECRET;
if (!dataDir || !secret) throw new Error('CHAOS_DATA_DIR and CHAOS_SECRET are required');

const http = createServer();
const io = new Server(http, { path: '/parley/socket.io', serveClient: false, pingInterval: 1000, pingTimeout: 1500 });
const store = createSqliteStore({ filename: join(dataDir, 'chaos.sqlite') });
const unlimited = { perSecond: Infinity, burst: Infinity };
createChatServer({
  io,
  namespace: '/',
  store,
  authenticate: createDevAuth({ secret }).authenticate,
  logger: silentLogger,
  rateLimits: { sends: unlimited, frames: unlimited, typing: unlimited },
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as { port: number };
  process.stdout.write(`chaos server listening on ${port}\n`);
});
process.on('SIGTERM', () => {
  io.close();
  void store.close().finally(() => process.exit(0));
});
