// The Parley server under test: createChatServer with the memory or SQLite store, development
// auth, and rate limits lifted (the bench measures capacity, not the limiter). Tokens come from
// `POST /bench/tokens { users }` so the load generator needs none of the server code.
//
//   node --expose-gc --conditions=@parley/source --import tsx bench/servers/parley.mjs --store memory|sqlite [--data-dir DIR]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createChatServer, createDevAuth, createMemoryStore, silentLogger } from '@parley/server-sdk';
import { announce, readJson, startHttp, stopOnSignal } from './common.mjs';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'memory' }, 'data-dir': { type: 'string' } } });
const unlimited = { perSecond: Infinity, burst: Infinity };

async function openStore() {
  if (values.store === 'memory') return createMemoryStore();
  const { createSqliteStore } = await import('@parley/server-sdk/sqlite');
  return createSqliteStore({ filename: join(values['data-dir'], 'bench.sqlite') });
}

const store = await openStore();
const dev = createDevAuth();
const http = await startHttp({
  '/bench/tokens': async (req) => {
    const { users } = await readJson(req);
    return Promise.all(users.map((userId) => dev.issueToken(userId)));
  },
});
const chat = createChatServer({
  server: http,
  store,
  authenticate: dev.authenticate,
  logger: silentLogger,
  rateLimits: { sends: unlimited, frames: unlimited, typing: unlimited },
  // W2 wants every online member of a 1,000-member group to get each message live, as if all
  // had it open; above this size Parley would push only to connections that watch it.
  fanoutThreshold: 1000,
});
announce(http);
stopOnSignal(async () => {
  await chat.close();
  await store.close();
});
