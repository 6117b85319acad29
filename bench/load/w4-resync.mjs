// W4: reconnect and resync against Parley. (a) one client misses 1,000 messages and reconnects:
// time from opening the socket to holding all of them; (b) 1,000 clients in 100 groups of ten
// each miss 100 messages and reconnect at once: time until the last one holds all of its 100.
import { writeFileSync } from 'node:fs';
import { connectTarget, issueTokens, pool } from '../lib/lean-client.mjs';
import { args, nowNs, report, sleep, target } from '../lib/measure.mjs';

const opts = args();
const where = target();
const REPEATS = Number(opts.repeats ?? 5);
const MISSED_ONE = Number(opts.missed ?? 1000);
const CLIENTS = Number(opts.clients ?? 1000);
const GROUP = 10;
const MISSED_MANY = Number(opts['missed-each'] ?? 100);
let run = 0;

/** A writer: a connection whose ACKs are counted, so `sendAll` knows when the log holds everything. */
async function connectWriter(userId, token) {
  const acks = { count: 0, wake: () => {} };
  const client = await connectTarget(where, {
    userId,
    token,
    onFrame: (f) => {
      if (f.type === 'nack') throw new Error(`send refused: ${JSON.stringify(f)}`);
      if (f.type !== 'ack') return;
      acks.count++;
      acks.wake();
    },
  });
  client.sendAll = async (conversationId, count) => {
    const prefix = `w4-run${++run}`;
    const target = acks.count + count;
    const done = new Promise((resolve) => (acks.wake = () => acks.count >= target && resolve()));
    for (let i = 0; i < count; i++) client.send({ type: 'send', conversationId, clientMsgId: `${prefix}-message-${i}`, data: { text: `missed ${i}` } });
    await done;
  };
  return client;
}

/** Connects, syncs from `cursor` page by page, resolves with the message events it got. */
async function reconnectAndSync(userId, token, conversationId, cursor) {
  const client = await connectTarget(where, { userId, token, deviceId: `${userId}-phone` });
  let seq = cursor;
  let messages = 0;
  for (let page = 0; page < 100; page++) {
    const result = await client.request({ type: 'sync', only: true, cursors: [{ conversationId, seq }] });
    for (const event of result.events) {
      seq = Math.max(seq, event.seq);
      if (event.kind === 'message') messages++;
    }
    if (!result.hasMore) break;
  }
  client.close();
  return messages;
}

// (a) one client, 1,000 missed, several times.
const single = [];
for (let r = 0; r < REPEATS; r++) {
  const [senderToken, readerToken] = await issueTokens(where, [`w4s${r}`, `w4r${r}`]);
  const sender = await connectWriter(`w4s${r}`, senderToken);
  const { conversation } = await sender.request({ type: 'direct.open', userId: `w4r${r}` });
  await sender.sendAll(conversation.id, MISSED_ONE);
  sender.close();
  const started = nowNs();
  const got = await reconnectAndSync(`w4r${r}`, readerToken, conversation.id, 1);
  single.push({ ms: Number(nowNs() - started) / 1e6, complete: got === MISSED_ONE });
}

// (b) 1,000 clients in groups of ten; a writer per group sends 100 while they are away.
const groups = Math.ceil(CLIENTS / GROUP);
const readers = Array.from({ length: CLIENTS }, (_, i) => `w4m${i}`);
const writers = Array.from({ length: groups }, (_, g) => `w4w${g}`);
const tokens = await issueTokens(where, [...readers, ...writers]);
const conversations = [];
await pool(groups, 20, async (g) => {
  const writer = await connectWriter(writers[g], tokens[CLIENTS + g]);
  const members = readers.slice(g * GROUP, (g + 1) * GROUP);
  const { conversation } = await writer.request({ type: 'group.create', title: `g${g}`, members });
  conversations[g] = conversation.id;
  await writer.sendAll(conversation.id, MISSED_MANY);
  writer.close();
});
await sleep(500);
// `--profile FILE`: the server's V8 profile of the mass reconnect alone (bench/servers/common.mjs).
const profile = opts.profile ? (await fetch(`${where.url}/bench/profile/start`, { method: 'POST' }), opts.profile) : undefined;
const started = nowNs();
let complete = 0;
let lastMs = 0;
await Promise.all(
  readers.map(async (userId, i) => {
    const got = await reconnectAndSync(userId, tokens[i], conversations[Math.floor(i / GROUP)], 1);
    if (got === MISSED_MANY) complete++;
    lastMs = Math.max(lastMs, Number(nowNs() - started) / 1e6);
  }),
);
if (profile) writeFileSync(profile, await (await fetch(`${where.url}/bench/profile/stop`, { method: 'POST' })).text());
const sorted = single.map((s) => s.ms).sort((a, b) => a - b);
report({
  single: { missed: MISSED_ONE, repeats: REPEATS, medianMs: round(sorted[Math.floor(sorted.length / 2)]), maxMs: round(sorted.at(-1)), complete: single.every((s) => s.complete) },
  many: { clients: CLIENTS, missedEach: MISSED_MANY, convergeMs: round(lastMs), deliveredPct: Math.round((complete / CLIENTS) * 1000) / 10 },
});
process.exit(0);

function round(ms) {
  return Math.round(ms * 10) / 10;
}
