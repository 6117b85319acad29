/**
 * Where should `fanoutThreshold` sit? For groups of N members, all online, one sender: how many
 * deliveries per second does per-member fan-out sustain, and what does a send cost compared with
 * watcher-only fan-out where nobody watches (the members catch up by seq when they open it)?
 * Baseline in the same run: the same group at N = 10.
 *
 *   node --conditions=@parley/source --import tsx bench/fanout-threshold.ts [--store sqlite]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { FRAME_EVENT, PROTOCOL_VERSION } from '@parley/protocol';
import { createChatServer, createDevAuth, createMemoryStore, silentLogger, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';

const SIZES = [10, 100, 250, 500, 1000];
const MESSAGES = 100;
const useSqlite = process.argv.includes('--store') && process.argv.at(process.argv.indexOf('--store') + 1) === 'sqlite';

type Frame = { type: string; [k: string]: unknown };

async function run(size: number, threshold: number) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-fanout-'));
  const store: ChatStore = useSqlite ? createSqliteStore({ filename: join(dir, 'b.sqlite') }) : createMemoryStore();
  const http = createServer();
  const dev = createDevAuth();
  const chat = createChatServer({
    server: http, store, authenticate: dev.authenticate, logger: silentLogger, fanoutThreshold: threshold,
    rateLimits: { sends: { perSecond: 1e9, burst: 1e9 }, frames: { perSecond: 1e9, burst: 1e9 } },
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connect = async (userId: string) => {
    const socket: Socket = io(url, { path: '/parley/socket.io', transports: ['websocket'], forceNew: true, reconnection: false,
      auth: { token: await dev.issueToken(userId), deviceId: `${userId}-d`, protocol: PROTOCOL_VERSION } });
    await new Promise((r) => socket.once(FRAME_EVENT, r));
    return socket;
  };
  const sender = await connect('u0');
  const members = Array.from({ length: size - 1 }, (_, i) => `u${i + 1}`);
  const receivers = await Promise.all(members.map(connect));
  const created = new Promise<Frame>((r) => sender.on(FRAME_EVENT, (f: Frame) => f.type === 'conversation' && r(f)));
  sender.emit(FRAME_EVENT, { type: 'group.create', reqId: 'g', members: members.slice(0, 100) });
  const id = ((await created).conversation as { id: string }).id;
  for (let i = 100; i < members.length; i += 100) {
    sender.emit(FRAME_EVENT, { type: 'members.add', reqId: `a${i}`, conversationId: id, userIds: members.slice(i, i + 100) });
  }
  await new Promise((r) => setTimeout(r, 300));
  let delivered = 0;
  for (const r of receivers) r.on(FRAME_EVENT, (f: Frame) => f.type === 'event' && (f.event as { kind: string }).kind === 'message' && delivered++);
  let acked = 0;
  const allAcked = new Promise<void>((resolve) => sender.on(FRAME_EVENT, (f: Frame) => f.type === 'ack' && ++acked === MESSAGES && resolve()));
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i++) sender.emit(FRAME_EVENT, { type: 'send', conversationId: id, clientMsgId: `bench-${i}-msg`, data: { text: 'x' } });
  await allAcked;
  const ackedAt = performance.now();
  const expected = threshold >= size ? MESSAGES * (size - 1) : 0;
  while (delivered < expected && performance.now() - started < 60_000) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (performance.now() - started) / 1000;
  for (const s of [sender, ...receivers]) s.disconnect();
  await chat.close();
  await new Promise((r) => http.close(r));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { sendsPerSec: MESSAGES / ((ackedAt - started) / 1000), deliveriesPerSec: delivered / elapsed };
}

const rows: string[] = [];
const base = await run(10, Infinity);
rows.push(`store: ${useSqlite ? 'sqlite' : 'memory'}; ${MESSAGES} messages per run; baseline N=10: ${base.sendsPerSec.toFixed(0)} sends/s`);
rows.push('| members | per-member: sends/s (× base) | deliveries/s | watchers only, none watching: sends/s (× base) |');
rows.push('|---|---|---|---|');
for (const size of SIZES) {
  const all = await run(size, Infinity);
  const watchers = await run(size, 0);
  rows.push(`| ${size} | ${all.sendsPerSec.toFixed(0)} (${(all.sendsPerSec / base.sendsPerSec).toFixed(2)}×) | ${all.deliveriesPerSec.toFixed(0)} | ${watchers.sendsPerSec.toFixed(0)} (${(watchers.sendsPerSec / base.sendsPerSec).toFixed(2)}×) |`);
}
console.log(rows.join('\n'));
