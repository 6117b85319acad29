// Message search on a big SQLite history: 1,000,000 messages in 1,000 conversations of Zipf-like
// sizes, users in 20–50 of them, Zipf-distributed words (5% of the messages Chinese or Japanese),
// a support agent in a third of the conversations. Built in-process (store appends, big index
// batches), then p50/p95/p99 of each kind of query through the index (createSqliteSearchIndex)
// and through the server's search (chat.api.search: memberships, the index, every hit read back
// and checked), and the index's size. Target: p95 < 50 ms for a user's searches. Everything lives
// in a temp directory, removed at the end; a deadline stops a run that hangs.
//
//   node --conditions=@parley/source --import tsx bench/search.mjs [--messages 1000000] [--samples 200]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { parseSearchQuery, searchTokenText } from '@parley/protocol';
import { createChatServer, createDevAuth, silentLogger } from '@parley/server-sdk';
import { createSqliteSearchIndex, createSqliteStore } from '@parley/server-sdk/sqlite';
import { searchCorpus } from './lib/search-corpus.mjs';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    conversations: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '200' },
    'deadline-minutes': { type: 'string', default: '30' },
  },
});
const MESSAGES = Number(args.messages);
const CONVERSATIONS = Number(args.conversations);
const SAMPLES = Number(args.samples);
const AGENT = 'agent';
/** Messages appended before their documents go to the index in one transaction. */
const INDEX_BATCH = 50_000;
/** Appends in flight (the store's group commit makes transactions of them). */
const IN_FLIGHT = 2000;

const dir = mkdtempSync(join(tmpdir(), 'parley-search-bench-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
const deadline = setTimeout(() => {
  process.stderr.write(`search bench: past its deadline (${args['deadline-minutes']} min), stopping\n`);
  cleanup();
  process.exit(1);
}, Number(args['deadline-minutes']) * 60_000);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup();
    process.exit(1);
  });
}

const log = (text) => process.stderr.write(`search bench: ${text}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function build() {
  const filename = join(dir, 'parley.sqlite');
  const db = new BetterSqlite3(filename);
  const store = createSqliteStore({ database: db }, { synchronous: 'NORMAL' });
  const index = createSqliteSearchIndex(db);
  const corpus = searchCorpus({ messages: MESSAGES, conversations: CONVERSATIONS });
  const t0 = Date.UTC(2026, 0, 1) - 1000;
  for (let c = 0; c < CONVERSATIONS; c++) {
    const members = [...corpus.membersOf(c), ...(c % 3 === 0 ? [AGENT] : [])];
    await store.createConversation({ id: corpus.ids[c], kind: 'group', title: corpus.ids[c], createdBy: members[0], members, directKey: null, ts: t0 });
  }
  let appendMs = 0;
  let indexMs = 0;
  const started = performance.now();
  for (let from = 0; from < MESSAGES; from += INDEX_BATCH) {
    const batch = [];
    const appending = performance.now();
    for (let i = from; i < Math.min(MESSAGES, from + INDEX_BATCH); i += IN_FLIGHT) {
      const wave = [];
      for (let k = i; k < Math.min(MESSAGES, from + INDEX_BATCH, i + IN_FLIGHT); k++) {
        const m = corpus.messageAt(k);
        wave.push(
          store
            .append({ conversationId: m.conversationId, senderId: m.senderId, clientMsgId: `m${k}`, ts: m.ts, kind: 'message', data: { text: m.text } })
            .then(({ event }) => batch.push({ ...m, seq: event.seq })),
        );
      }
      await Promise.all(wave);
    }
    appendMs += performance.now() - appending;
    // What the server's catch-up does with a stretch of log: tokens, then one update per conversation.
    const indexing = performance.now();
    const byConversation = new Map();
    for (const m of batch) {
      const tokens = searchTokenText(m.text);
      if (!tokens) continue;
      let docs = byConversation.get(m.conversationId);
      if (!docs) byConversation.set(m.conversationId, (docs = []));
      docs.push({ conversationId: m.conversationId, seq: m.seq, ts: m.ts, senderId: m.senderId, tokens, version: m.seq });
    }
    db.transaction(() => {
      for (const [conversationId, docs] of byConversation) {
        docs.sort((a, b) => a.seq - b.seq);
        void index.apply({ conversationId, upserts: docs, removals: [], throughSeq: docs.at(-1).seq });
      }
    })();
    indexMs += performance.now() - indexing;
    log(`${Math.min(MESSAGES, from + INDEX_BATCH).toLocaleString('en-US')} messages (${seconds(performance.now() - started)})`);
  }
  // Conversations whose last events were not indexed in a batch's order still end at their last seq.
  for (const id of corpus.ids) {
    const { lastSeq } = await store.getConversation(id);
    const indexed = (await index.indexedSeqs([id])).get(id) ?? 0;
    if (indexed < lastSeq) throw new Error(`bench: ${id} indexed to ${indexed} of ${lastSeq}`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { db, store, index, corpus, appendMs, indexMs, filename };
}

/** p50/p95/p99 in ms of `samples` runs of `run(i)`, after a few unmeasured ones; and the hits seen. */
async function measure(run) {
  for (let i = 0; i < 5; i++) await run(i);
  const times = [];
  let hits = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    hits += await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { p50: at(50), p95: at(95), p99: at(99), hits: hits / SAMPLES };
}

const { db, store, index, corpus, appendMs, indexMs, filename } = await build();
const stats = await index.stats();
const http = createServer();
const chat = createChatServer({ server: http, store, authenticate: createDevAuth().authenticate, logger: silentLogger, search: { index } });

// Users by how many conversations they are in: most in 20–50.
const users = [...corpus.membershipsOf.keys()];
const busiest = [...users].sort((a, b) => corpus.membershipsOf.get(b).length - corpus.membershipsOf.get(a).length).slice(0, 20);
const sampleUsers = users.filter((_, i) => i % 10 === 0);
const sizeOf = new Map(corpus.ids.map((id, c) => [id, corpus.seqs[c]]));
const biggestOf = (userId) => [...corpus.membershipsOf.get(userId)].sort((a, b) => sizeOf.get(b) - sizeOf.get(a))[0];
const rare = corpus.words[20_000];

/** Query kinds: who searches, what, where. `extra` rows are not part of the target. */
const KINDS = [
  { name: 'common word (the)', query: 'the' },
  { name: `rare word (${rare})`, query: rare },
  { name: 'prefix of 3 letters (mee)', query: 'mee' },
  { name: 'a whole word, also a prefix (meeting)', query: 'meeting' },
  { name: 'two words (review draft)', query: 'review draft' },
  { name: 'phrase ("the meeting")', query: '"the meeting"' },
  { name: 'Chinese run (中国)', query: '中国' },
  { name: 'one conversation, its biggest (meeting)', query: 'meeting', one: true },
  { name: 'users in the most conversations, 45–50 (meeting)', query: 'meeting', users: busiest },
  { name: 'relevance order (meeting)', query: 'meeting', order: 'relevance' },
  { name: 'relevance order, common word (the)', query: 'the', order: 'relevance' },
  { name: `agent in ${Math.ceil(CONVERSATIONS / 3)} conversations (meeting)`, query: 'meeting', users: [AGENT], extra: true },
  { name: `agent in ${Math.ceil(CONVERSATIONS / 3)} conversations (the)`, query: 'the', users: [AGENT], extra: true },
];
const scopeOf = (userId) => (userId === AGENT ? corpus.ids.filter((_, c) => c % 3 === 0) : corpus.membershipsOf.get(userId));

const rows = [];
for (const kind of KINDS) {
  const who = kind.users ?? sampleUsers;
  const terms = parseSearchQuery(kind.query);
  const order = kind.order ?? 'newest';
  const viaIndex = await measure(async (i) => {
    const userId = who[i % who.length];
    const conversationIds = kind.one ? [biggestOf(userId)] : scopeOf(userId);
    return (await index.query({ conversationIds, terms, order, limit: 20 })).hits.length;
  });
  const viaServer = await measure(async (i) => {
    const userId = who[i % who.length];
    const request = { query: kind.query, order, limit: 20, ...(kind.one ? { conversationId: biggestOf(userId) } : {}) };
    return (await chat.api.search(userId, request)).hits.length;
  });
  rows.push({ ...kind, viaIndex, viaServer });
  log(`${kind.name}: index p95 ${viaIndex.p95.toFixed(1)} ms, server p95 ${viaServer.p95.toFixed(1)} ms`);
}

await chat.close();
http.close();
await store.close();
const fileBytes = statSync(filename).size;
db.close();
clearTimeout(deadline);
cleanup();

const ms = (value) => value.toFixed(1);
const targetMet = rows.filter((row) => !row.extra).every((row) => row.viaIndex.p95 < 50 && row.viaServer.p95 < 50);
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
console.log(
  [
    `search (bench/search.mjs): ${MESSAGES.toLocaleString('en-US')} messages in ${CONVERSATIONS.toLocaleString('en-US')} conversations, SQLite; ` +
      `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}; ${SAMPLES} searches per row, 20 hits a page`,
    `built in ${seconds(appendMs + indexMs)}: store appends ${seconds(appendMs)} (${Math.round(MESSAGES / (appendMs / 1000)).toLocaleString('en-US')}/s), ` +
      `index ${seconds(indexMs)} (${Math.round(MESSAGES / (indexMs / 1000)).toLocaleString('en-US')}/s)`,
    `index: ${stats.documents.toLocaleString('en-US')} documents, ${mb(stats.bytes)} (${Math.round(stats.bytes / stats.documents)} bytes per message); whole file ${mb(fileBytes)}`,
    '',
    '| query | index p50 | p95 | p99 | server p50 | p95 | p99 | hits |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name}${r.extra ? ' (extra)' : ''} | ${ms(r.viaIndex.p50)} | ${ms(r.viaIndex.p95)} | ${ms(r.viaIndex.p99)} | ${ms(r.viaServer.p50)} | ${ms(r.viaServer.p95)} | ${ms(r.viaServer.p99)} | ${r.viaServer.hits.toFixed(1)} |`,
    ),
    '',
    `target p95 < 50 ms for a user's searches (every row but the extra ones, index and server): ${targetMet ? 'met' : 'MISSED'}`,
  ].join('\n'),
);
