// The Parley server under test: createChatServer with the memory or SQLite store, development
// auth, and rate limits lifted (the bench measures capacity, not the limiter). Tokens come from
// `POST /bench/tokens { users }` so the load generator needs none of the server code.
//
// With `--redis URL` the node joins a cluster (W5): every node of it must open the same SQLite
// file and sign tokens with the same `--dev-secret`.
//
//   node --expose-gc --conditions=@parley/source --import tsx bench/servers/parley.mjs --store memory|sqlite [--data-dir DIR] [--redis URL --dev-secret S]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createChatServer, createDevAuth, createMemoryStore, silentLogger } from '@parley/server-sdk';
import { announce, readJson, startHttp, stopOnSignal } from './common.mjs';

const { values } = parseArgs({
  options: { store: { type: 'string', default: 'memory' }, 'data-dir': { type: 'string' }, redis: { type: 'string' }, 'dev-secret': { type: 'string' } },
});
const unlimited = { perSecond: Infinity, burst: Infinity };

async function openStore() {
  if (values.store === 'memory') return createMemoryStore();
  const { createSqliteStore } = await import('@parley/server-sdk/sqlite');
  return createSqliteStore({ filename: join(values['data-dir'], 'bench.sqlite') });
}

async function openScaleOut() {
  if (!values.redis) return undefined;
  const { createClient } = await import('redis');
  const { redisScaleOut } = await import('@parley/server-sdk/redis');
  const pubClient = createClient({ url: values.redis });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  return { scaleOut: redisScaleOut({ pubClient, subClient }), clients: [pubClient, subClient] };
}

const store = await openStore();
const cluster = await openScaleOut();
const dev = createDevAuth(values['dev-secret'] ? { secret: values['dev-secret'] } : {});
const http = await startHttp({
  '/bench/tokens': async (req) => {
    const { users } = await readJson(req);
    return Promise.all(users.map((userId) => dev.issueToken(userId)));
  },
});
const chat = createChatServer({
  server: http,
  store,
  ...(cluster ? { scaleOut: cluster.scaleOut } : {}),
  authenticate: dev.authenticate,
  logger: silentLogger,
  rateLimits: { sends: unlimited, conversations: unlimited, frames: unlimited, userFrames: unlimited, typing: unlimited },
  // W2 wants every online member of a 1,000-member group to get each message live, as if all
  // had it open; above this size Parley would push only to connections that watch it.
  fanoutThreshold: 1000,
});
announce(http);
stopOnSignal(async () => {
  await chat.close();
  await store.close();
  await Promise.allSettled(cluster?.clients.map((client) => client.quit()) ?? []);
});
