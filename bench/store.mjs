// Store throughput: appends into one conversation, appends spread over many, page reads; for
// memory, SQLite (synchronous FULL and NORMAL) and a MongoDB-wire server if a URI is given.
// Numbers are relative to the memory store measured in the same run.
//
//   node --conditions=@parley/source --import tsx bench/store.mjs [--seconds 2] [--concurrency 16]
//        [--mongodb-uri mongodb://127.0.0.1:27017/]   (or MONGODB_URI / PARLEY_TEST_MONGODB_URI)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMemoryStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { createMongoStore } from '@parley/server-sdk/mongodb';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
    'mongodb-uri': { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const mongoUri = args['mongodb-uri'] ?? process.env.MONGODB_URI ?? process.env.PARLEY_TEST_MONGODB_URI;
const CONVERSATIONS = 100;
const PAGE = 50;

/** Runs `op` from `concurrency` loops until the time is up; returns operations per second. */
async function rate(op) {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

async function measure(store) {
  const ts = Date.now();
  for (let c = 0; c < CONVERSATIONS; c++) {
    await store.createConversation({
      id: `c${c}`, kind: 'group', title: null, createdBy: 'u0', members: ['u0', 'u1', 'u2'], directKey: null, ts,
    });
  }
  const text = (worker, i) => ({ kind: 'message', data: { text: `message ${worker}-${i}` }, ts: Date.now() });
  let serial = 0;
  const one = await rate((worker, i) =>
    store.append({ conversationId: 'c0', senderId: `u${worker % 3}`, clientMsgId: `one-${worker}-${i}-${serial++}`, ...text(worker, i) }),
  );
  const many = await rate((worker, i) =>
    store.append({
      conversationId: `c${1 + ((worker * 7919 + i) % (CONVERSATIONS - 1))}`,
      senderId: `u${worker % 3}`,
      clientMsgId: `many-${worker}-${i}-${serial++}`,
      ...text(worker, i),
    }),
  );
  const { lastSeq } = await store.getConversation('c0');
  const reads = await rate(async () => {
    const page = await store.readAfter('c0', Math.floor(Math.random() * Math.max(1, lastSeq - PAGE)), PAGE);
    if (page.length === 0) throw new Error('bench: empty page');
  });
  return { one, many, reads, events: lastSeq };
}

const dir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
const targets = [
  { name: 'memory', open: async () => ({ store: createMemoryStore() }) },
  { name: 'sqlite FULL', open: async () => ({ store: createSqliteStore({ filename: join(dir, 'full.sqlite') }) }) },
  {
    name: 'sqlite NORMAL',
    open: async () => ({ store: createSqliteStore({ filename: join(dir, 'normal.sqlite') }, { synchronous: 'NORMAL' }) }),
  },
];
if (mongoUri) {
  targets.push({
    name: 'mongodb-wire',
    open: async () => {
      const { MongoClient } = await import('mongodb');
      const client = await MongoClient.connect(mongoUri);
      const db = client.db(`parley_bench_${Date.now()}`);
      const store = createMongoStore({ db });
      await store.ensureIndexes();
      return { store, release: async () => (await db.dropDatabase(), await client.close()) };
    },
  });
}

const results = [];
try {
  for (const target of targets) {
    process.stderr.write(`bench: ${target.name}…\n`);
    const { store, release } = await target.open();
    results.push({ name: target.name, ...(await measure(store)) });
    await store.close();
    await release?.();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const base = results[0];
const cell = (value, baseline) => `${Math.round(value).toLocaleString('en-US')}/s (${(value / baseline).toFixed(3)}×)`;
const rows = [
  ['', ...results.map((r) => r.name)],
  ['append, one conversation', ...results.map((r) => cell(r.one, base.one))],
  [`append, ${CONVERSATIONS - 1} conversations`, ...results.map((r) => cell(r.many, base.many))],
  [`readAfter page of ${PAGE}`, ...results.map((r) => cell(r.reads, base.reads))],
];
const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
console.log(`Parley store bench: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ` +
  `${seconds} s per workload, ${concurrency} operations in flight; ratios are to memory.`);
for (const row of rows) console.log(`| ${row.map((text, col) => text.padEnd(widths[col])).join(' | ')} |`);
