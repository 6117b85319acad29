// The Parley server a chaos run attacks, as its own process: SQLite in CHAOS_DATA_DIR (so a
// SIGKILL loses only what was never ACKed) or MongoDB at CHAOS_MONGODB_URI, development auth
// under CHAOS_SECRET (the harness issues tokens itself, even while this process is stopped),
// rate limits lifted unless CHAOS_SEND_RATE ("perSecond,burst") sets the per-user send limit,
// store blips when CHAOS_STORE_BLIPS names a seed (SIGUSR2 turns them on and off, so setup
// runs clean), and short heartbeats so a black-holed
// connection is noticed within seconds.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Server } from 'socket.io';
import { createChatServer, createDevAuth, createDiskBlobStore, silentLogger, type ChatStore } from '@parley/server-sdk';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createRng } from './prng.js';
import { withStoreBlips, type BlipStats } from './store-blips.js';

const { CHAOS_DATA_DIR: dataDir, CHAOS_SECRET: secret, CHAOS_MONGODB_URI: mongoUri, CHAOS_MONGODB_DB: mongoDb } = process.env;
if (!dataDir || !secret) throw new Error('CHAOS_DATA_DIR and CHAOS_SECRET are required');

async function openStore(): Promise<{ store: ChatStore; close(): Promise<void> }> {
  if (!mongoUri) {
    const store = createSqliteStore({ filename: join(dataDir!, 'chaos.sqlite') });
    return { store, close: () => store.close() };
  }
  // Fail fast while the database is down: the client gets a retryable NACK, not a hang.
  const client = await MongoClient.connect(mongoUri, { serverSelectionTimeoutMS: 2000 });
  const store = createMongoStore({ db: client.db(mongoDb ?? 'parley_chaos') });
  await store.ensureIndexes();
  return { store, close: () => store.close().finally(() => client.close()) };
}

const opened = await openStore();
const stats: BlipStats = { windows: 0, failedBefore: 0, failedAfter: 0 };
const blips = process.env.CHAOS_STORE_BLIPS ? withStoreBlips(opened.store, createRng(Number(process.env.CHAOS_STORE_BLIPS)), stats) : null;
const [perSecond, burst] = (process.env.CHAOS_SEND_RATE ?? '').split(',').map(Number);
const unlimited = { perSecond: Infinity, burst: Infinity };

const http = createServer();
// Files (CHAOS_FILES_TTL_MS): the disk blob store under the data dir, served at /blobs, swept often.
const filesTtl = process.env.CHAOS_FILES_TTL_MS;
const notifyDelay = process.env.CHAOS_NOTIFY_DELAY_MS;
const blobs = filesTtl ? createDiskBlobStore({ dir: join(dataDir, 'files'), secret: `chaos-files-${secret}`, publicUrl: '/blobs' }) : undefined;
if (blobs) http.on('request', (req, res) => void blobs.handle(req, res).then((served) => served || res.writeHead(404).end(), () => res.destroy()));
const io = new Server(http, { path: '/parley/socket.io', serveClient: false, pingInterval: 1000, pingTimeout: 1500 });
const chat = createChatServer({
  io,
  namespace: '/',
  store: blips?.store ?? opened.store,
  authenticate: createDevAuth({ secret }).authenticate,
  logger: silentLogger,
  ...(blobs ? { attachments: { blobs, unattachedTtlMs: Number(filesTtl), sweepEveryMs: 500 } } : {}),
  // Notifications (CHAOS_NOTIFY_DELAY_MS): the app's own channel, a file the oracle reads.
  ...(notifyDelay ? { notifications: { delayMs: Number(notifyDelay), pollIntervalMs: 100, leaseMs: 3000, notify: async (n: { userId: string; conversationId: string; seq: number; id: string }) => {
    appendFileSync(join(dataDir, 'notified.jsonl'), `${JSON.stringify({ userId: n.userId, conversationId: n.conversationId, seq: n.seq, id: n.id })}\n`);
  } } } : {}),
  rateLimits: { sends: perSecond && burst ? { perSecond, burst } : unlimited, frames: unlimited, userFrames: unlimited, typing: unlimited },
  // The search oracle asks many questions after the chaos.
  search: { rateLimit: unlimited },
});
http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as { port: number };
  process.stdout.write(`chaos server listening on ${port}\n`);
});
let blipping = false;
process.on('SIGUSR2', () => {
  blipping = !blipping;
  if (blipping) blips?.start();
  else blips?.stop();
});
process.on('SIGTERM', () => {
  blips?.stop();
  io.close();
  // The harness reads this line for its notes.
  const refusals = {
    rateLimited: chat.metrics.rateLimited.get({ limit: 'sends' }),
    outOfOrder: chat.metrics.errors.get({ code: 'OUT_OF_ORDER' }),
  };
  process.stdout.write(`chaos server stats ${JSON.stringify({ ...stats, ...refusals })}\n`);
  void opened.close().finally(() => process.exit(0));
});
