// W6: the message model's cost on reads. Two groups of 20 in one server, written through it:
// PLAIN, 10,000 messages; RICH, the same 10,000 messages plus 2,000 edits, 50,000 reactions
// (46,000 added, 4,000 taken back, skewed: a few messages carry 160) and 1,000 thread replies.
// Then, alternating PLAIN and RICH so drift on the shared machine hits both alike:
//   (a) history: walking back `--pages` pages of 50 from the newest, time and server CPU per page;
//   (b) cold resync: a new device of a member (no cursor) syncs, then loads the newest 3 pages;
//   (c) the bytes of each page.
// The issue's target: RICH within 2× of PLAIN.
import { connectTarget, issueTokens } from '../lib/lean-client.mjs';
import { args, report, target } from '../lib/measure.mjs';
import { planConversation, planId } from '../lib/message-model-plan.mjs';
import { seedConversation, seeders } from '../lib/message-model-seed.mjs';

const opts = args();
const where = target();
const USERS = 20;
const MESSAGES = Number(opts.messages ?? 10_000);
const PAGES = Number(opts.pages ?? 40);
const REPEATS = Number(opts.repeats ?? 5);
const COLD = Number(opts.cold ?? 10);
const SEED = Number(opts.seed ?? 6);
const PAGE = 50;
const scale = (n) => Math.round((n * MESSAGES) / 10_000);
// `--reactions 0` (or `--edits`, `--replies`) leaves a part out, to see what each one costs.
const reactions = Number(opts.reactions ?? scale(50_000));
const RICH = {
  edits: Number(opts.edits ?? scale(2000)),
  reactions,
  unreacts: Math.round(reactions * 0.08),
  replies: Number(opts.replies ?? scale(1000)),
  threads: 50,
};

const bytes = (frame) => Buffer.byteLength(JSON.stringify(frame));
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const round = (n, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The server's CPU milliseconds since this call (unrounded: a page costs about a millisecond,
 * where measure.mjs's serverCpuMeter rounds to one).
 */
async function serverCpuMs() {
  const read = async () => (await (await fetch(`${where.url}/bench/cpu`)).json()).cpuSeconds * 1000;
  const start = await read();
  return async () => (await read()) - start;
}

async function expect(reply, type) {
  const frame = await reply;
  if (frame.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(frame)}`);
  return frame;
}

/** Creates the group of `name`, writes its plan, and leaves its first member having read all but the last 100 messages. */
async function build(name, rich) {
  const users = Array.from({ length: USERS }, (_, i) => `w6${name}${i}`);
  const tokens = await issueTokens(where, users);
  const plan = planConversation({ seed: SEED, users: USERS, messages: MESSAGES, rounds: 20, rich });
  const writers = seeders(where, users, tokens);
  const owner = await writers.connect(0);
  const { conversation } = await expect(owner.request({ type: 'group.create', title: name, members: users.slice(1) }), 'conversation');
  owner.close();
  const seeded = await seedConversation(writers, conversation.id, plan);
  // A reader who keeps up: the cold sync's summary counts 100 unread, not the whole log.
  const reader = await writers.connect(0);
  const readSeq = seeded.ids.get(planId('msg', Math.max(0, MESSAGES - 101))).seq;
  reader.send({ type: 'receipt', conversationId: conversation.id, readSeq });
  await expect(reader.request({ type: 'history', conversationId: conversation.id, limit: 1 }), 'history.result');
  reader.close();
  // How many change events a walked page folds into its messages, on average (from the plan).
  const walkedFrom = Math.max(0, MESSAGES - PAGES * PAGE);
  const folded = plan.rounds.flatMap((r) => r.changes).filter((c) => c.frame.kind === 'change' && c.frame.target >= walkedFrom).length;
  const changesPerWalkedMessage = round(folded / (MESSAGES - walkedFrom), 1);
  return { name, conversationId: conversation.id, userId: users[0], token: tokens[0], seeded: { ...plan.counts, changesPerWalkedMessage, stored: seeded.stored, duplicates: seeded.duplicates, seconds: seeded.seconds } };
}

/** The newest `pages` pages of the timeline, one after the other, as a client scrolling back. */
async function walk(client, conversationId, pages) {
  const times = [];
  const sizes = [];
  let messages = 0;
  let reactions = 0;
  let beforeSeq;
  for (let p = 0; p < pages; p++) {
    const started = performance.now();
    const page = await expect(client.request({ type: 'history', conversationId, limit: PAGE, ...(beforeSeq ? { beforeSeq } : {}) }), 'history.result');
    times.push(performance.now() - started);
    sizes.push(bytes(page));
    for (const e of page.events) {
      if (e.kind !== 'message') continue;
      messages++;
      reactions += e.state?.reactions?.reduce((n, g) => n + g.userIds.length, 0) ?? 0;
    }
    if (!page.hasMore) break;
    beforeSeq = page.events[0].seq;
  }
  return { times, sizes, messages, reactions };
}

/** A new device of the first member: connect, sync with no cursor until done, then the newest 3 pages. */
async function coldResync(conv, n) {
  const cpu = await serverCpuMs();
  const started = performance.now();
  const client = await connectTarget(where, { userId: conv.userId, token: conv.token, deviceId: `${conv.userId}-cold${n}` });
  const connected = performance.now();
  const cursors = new Map();
  let syncBytes = 0;
  let after;
  for (let page = 0; page < 100; page++) {
    const result = await expect(client.request({ type: 'sync', cursors: [...cursors.values()], ...(after ? { after } : {}) }), 'sync.result');
    syncBytes += bytes(result);
    for (const c of result.conversations) cursors.set(c.id, { conversationId: c.id, seq: c.lastSeq });
    if (!result.hasMore) break;
    after = result.next;
  }
  const synced = performance.now();
  const history = await walk(client, conv.conversationId, 3);
  const done = performance.now();
  const cpuMs = await cpu();
  client.close();
  return { ms: done - started, syncMs: synced - connected, historyMs: done - synced, cpuMs, syncBytes, historyBytes: history.sizes.reduce((a, b) => a + b, 0) };
}

const plain = await build('plain', undefined);
const rich = await build('rich', RICH);
const convs = [plain, rich];
process.stderr.write(`seeded: ${JSON.stringify(convs.map((c) => c.seeded))}\n`);

const readers = await Promise.all(convs.map((c) => connectTarget(where, { userId: c.userId, token: c.token, deviceId: `${c.userId}-reader` })));
const history = convs.map(() => ({ times: [], sizes: [], cpuPerPage: [], messages: 0, reactions: 0 }));
const cold = convs.map(() => []);
// Warm-up (JIT, the store's caches), not recorded.
for (const [i, c] of convs.entries()) {
  await walk(readers[i], c.conversationId, PAGES);
  await coldResync(c, 'warm');
}
// Interleaved, and the order flipped every repeat.
const order = (r) => (r % 2 === 0 ? [0, 1] : [1, 0]);
for (let r = 0; r < REPEATS; r++) {
  for (const i of order(r)) {
    const cpu = await serverCpuMs();
    const w = await walk(readers[i], convs[i].conversationId, PAGES);
    history[i].cpuPerPage.push((await cpu()) / w.times.length);
    history[i].times.push(...w.times);
    history[i].sizes.push(...w.sizes);
    history[i].messages += w.messages;
    history[i].reactions += w.reactions;
  }
}
for (let n = 0; n < COLD; n++) for (const i of order(n)) cold[i].push(await coldResync(convs[i], n));
for (const reader of readers) reader.close();

const historyFigures = (h) => ({
  msP50: round(median(h.times)),
  msP90: round([...h.times].sort((a, b) => a - b)[Math.floor(h.times.length * 0.9)]),
  cpuMsPerPage: round(median(h.cpuPerPage)),
  bytesPerPage: Math.round(h.sizes.reduce((a, b) => a + b, 0) / h.sizes.length),
  messagesPerPage: round(h.messages / h.times.length, 1),
  reactionsPerPage: round(h.reactions / h.times.length, 1),
});
const coldFigures = (runs) => ({
  ms: round(median(runs.map((c) => c.ms))),
  syncMs: round(median(runs.map((c) => c.syncMs))),
  historyMs: round(median(runs.map((c) => c.historyMs))),
  cpuMs: round(median(runs.map((c) => c.cpuMs))),
  syncBytes: runs[0].syncBytes,
  historyBytes: runs[0].historyBytes,
});
const ratios = (p, r, keys) => Object.fromEntries(keys.map((k) => [k, round(r[k] / p[k])]));
const [hp, hr] = history.map(historyFigures);
const [cp, cr] = cold.map(coldFigures);
report({
  seeded: { plain: plain.seeded, rich: rich.seeded },
  history: { pages: PAGES, pageSize: PAGE, repeats: REPEATS, plain: hp, rich: hr, ratio: ratios(hp, hr, ['msP50', 'msP90', 'cpuMsPerPage', 'bytesPerPage']) },
  cold: { runs: COLD, plain: cp, rich: cr, ratio: ratios(cp, cr, ['ms', 'syncMs', 'historyMs', 'cpuMs', 'syncBytes', 'historyBytes']) },
});
process.exit(0);
