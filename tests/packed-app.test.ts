import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { SignJWT } from 'jose';
import { copyQuickstart, createPackedApp, run, startProgram } from './helpers/packed-app.js';
import { connectWire } from './helpers/wire-client.js';
import { expectBotLosesNothing, runBurstBot } from './helpers/burst-bot.js';

/**
 * Parley as a new user gets it: a fresh app outside this repository, the three packages
 * installed from `npm pack` tarballs, strict TypeScript in each module mode, and the README's
 * snippets run from there. Slow (a build, an install), so one app serves every test here.
 */
let app = '';
const children: ChildProcess[] = [];
const node = (file: string, cwd = app) => run(process.execPath, [file], cwd, {}, 60_000);

beforeAll(async () => {
  app = await createPackedApp();
  copyQuickstart(app);
}, 900_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Every entry a Node app may import without an optional peer, used so each one's declarations are checked. */
const USES_EVERY_ENTRY = `
import { createChatServer, createJwtAuthenticator, createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { redisScaleOut } from '@parley/server-sdk/redis';
import { createChatClient, createMemoryStorage, ErrorCode } from '@parley/client-sdk';
import { createIndexedDbStorage } from '@parley/client-sdk/indexeddb';
import { createFileStorage } from '@parley/client-sdk/node';
import { PROTOCOL_VERSION, parseClientFrame } from '@parley/protocol';
const store: ChatStore = createMemoryStore();
export const used = [createChatServer, createJwtAuthenticator, store, redisScaleOut, createChatClient, createMemoryStorage,
  ErrorCode.NOT_FOUND, createIndexedDbStorage, createFileStorage, PROTOCOL_VERSION, parseClientFrame];
`;

/** The store entries, whose declarations name their driver's types (installed by then). */
const USES_STORE_ENTRIES = `
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';
import { MongoClient } from 'mongodb';
export const stores = [createSqliteStore({ filename: ':memory:' }), createMongoStore({ db: new MongoClient('mongodb://127.0.0.1:1').db('x') })];
`;

function tsconfig(name: string, compilerOptions: Record<string, unknown>, include: string[]): string {
  const file = join(app, name);
  const base = { strict: true, skipLibCheck: false, target: 'es2022', types: ['node'], lib: ['es2022', 'dom'] };
  writeFileSync(file, JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, include }));
  return file;
}

const tsc = (project: string) => run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], app);

describe('a new app built from the packed packages', () => {
  it('type-checks and builds strict TypeScript: ESM and CommonJS with node16, and bundler resolution', async () => {
    writeFileSync(join(app, 'src/entries.ts'), USES_EVERY_ENTRY);
    writeFileSync(join(app, 'src/entries-cjs.cts'), USES_EVERY_ENTRY);
    // A CommonJS server: the same quick start, compiled to require() calls.
    writeFileSync(join(app, 'src/server-cjs.cts'), (await import('node:fs')).readFileSync(join(app, 'src/server.ts'), 'utf8'));
    await tsc(tsconfig('tsconfig.node16.json', { module: 'node16', moduleResolution: 'node16', outDir: 'dist' }, ['src']));
    await tsc(tsconfig('tsconfig.bundler.json', { module: 'esnext', moduleResolution: 'bundler', noEmit: true }, ['src/*.ts']));
  }, 300_000);

  it('runs the README client snippet against parley-server from the tarball', async () => {
    const server = await startProgram(
      ['node_modules/.bin/parley-server', '--dev', '--store', 'memory', '--port', '0'],
      app, { PARLEY_LOG_LEVEL: 'warn' }, 'listening on',
    );
    children.push(server.child);
    const url = /listening on (http:\/\/\S+)/.exec(server.output())![1]!;
    const { stdout } = await run(process.execPath, ['dist/client.js'], app, { PARLEY_URL: url }, 60_000);
    expect(stdout).toContain('stored as #2');
  }, 120_000);

  it('runs a Node bot with file storage that, killed with SIGKILL mid-burst, loses nothing', async () => {
    const server = await startProgram(
      ['node_modules/.bin/parley-server', '--dev', '--store', 'memory', '--port', '0'],
      app, { PARLEY_LOG_LEVEL: 'warn' }, 'listening on',
    );
    children.push(server.child);
    const url = /listening on (http:\/\/\S+)/.exec(server.output())![1]!;
    const issueToken = async (userId: string) =>
      ((await (await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) })).json()) as { token: string }).token;
    await expectBotLosesNothing({ url, issueToken }, (more, killWhen) =>
      runBurstBot(['dist/burst-bot.js'], app, { PARLEY_URL: url, BOT_DIR: join(app, '.bot'), ...more }, killWhen),
    );
  }, 240_000);

  it.each([['ESM', 'dist/server.js'], ['CommonJS', 'dist/server-cjs.cjs']])(
    'runs the README server snippet (%s): a client with a JWT from the configured issuer is welcomed',
    async (_mode, file) => {
      const secret = 'packed-app-secret-of-at-least-32-bytes';
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      const server = await startProgram([file], app, { JWT_SECRET: secret, PORT: String(port) }, 'chat server ready');
      children.push(server.child);
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('my-app')
        .setAudience('parley').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
      const client = await connectWire(`http://127.0.0.1:${port}`, { token });
      expect(await client.waitFor((f) => f.type === 'welcome')).toMatchObject({ userId: 'alice' });
      client.close();
      server.child.kill('SIGKILL');
    },
    120_000,
  );

  it('names the package to install when an optional peer is missing (ESM and CommonJS)', async () => {
    writeFileSync(join(app, 'missing-sqlite.mjs'), `
      import { createSqliteStore } from '@parley/server-sdk/sqlite';
      try { createSqliteStore({ filename: './data/parley.sqlite' }); } catch (err) { console.log(err.message); }`);
    writeFileSync(join(app, 'missing-sqlite.cjs'), `
      const { createSqliteStore } = require('@parley/server-sdk/sqlite');
      try { createSqliteStore({ filename: './data/parley.sqlite' }); } catch (err) { console.log(err.message); }`);
    writeFileSync(join(app, 'missing-redis.mjs'), `
      import { redisScaleOut } from '@parley/server-sdk/redis';
      const client = { isReady: true, eval: async () => null, on() {}, off() {} };
      try { redisScaleOut({ pubClient: client, subClient: client }); } catch (err) { console.log(err.message); }`);
    for (const file of ['missing-sqlite.mjs', 'missing-sqlite.cjs']) {
      expect((await node(file)).stdout).toContain('npm install better-sqlite3@^12');
    }
    expect((await node('missing-redis.mjs')).stdout).toContain('npm install @socket.io/redis-adapter@');
  }, 120_000);

  it('runs the SQLite store snippet from the docs, and type-checks the store entries, once their drivers are installed', async () => {
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'better-sqlite3@12', '@types/better-sqlite3', 'mongodb@7'], app);
    writeFileSync(join(app, 'src/stores.ts'), USES_STORE_ENTRIES);
    writeFileSync(join(app, 'src/stores-cjs.cts'), USES_STORE_ENTRIES);
    await tsc(tsconfig('tsconfig.stores.json', { module: 'node16', moduleResolution: 'node16', noEmit: true }, ['src/stores.ts', 'src/stores-cjs.cts']));
    writeFileSync(join(app, 'sqlite.mjs'), `
      import { createSqliteStore } from '@parley/server-sdk/sqlite';
      const store = createSqliteStore({ filename: './data/parley.sqlite' });
      await store.createConversation({ id: 'g1', kind: 'group', title: null, createdBy: 'a', members: ['a'], directKey: null, ts: 1 });
      console.log('last seq', (await store.getConversation('g1')).lastSeq);
      await store.close();`);
    expect((await node('sqlite.mjs')).stdout).toContain('last seq 1');
  }, 600_000);
});
