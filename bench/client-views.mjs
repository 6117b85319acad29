// The client's cost per incoming event as a conversation grows: a real client (the frame handler,
// commit, the view store and an app reading the snapshot and timeline on every change) over an
// in-process wire, fed the frames a server pushes: messages, reactions, edits, receipts. With
// views derived incrementally the cost of one event should not depend on the conversation's
// length: the ratio between a long and a short conversation should stay near 1.
//
//   node --conditions=@parley/source --import tsx bench/client-views.mjs [--sizes 1000,10000] [--events 400] [--batches 5]
import { parseArgs } from 'node:util';
import { PROTOCOL_VERSION } from '@parley/protocol';
import { createChatClientWith } from '../packages/client-sdk/src/client/chat-client.ts';
import { createFakeWire, createManualTimers, flushAsync } from '../packages/client-sdk/test/support/fake-wire.ts';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    events: { type: 'string', default: '400' },
    batches: { type: 'string', default: '5' },
  },
});
const sizes = args.sizes.split(',').map(Number);
const perBatch = Number(args.events);
const batches = Number(args.batches);
const ME = 'me';
const MEMBERS = [ME, 'bob', 'alice'];

/** A deterministic stream of numbers in [0, 1), so every run feeds the same frames. */
function seeded(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const message = (conversationId, seq, senderId) => ({
  id: `${conversationId}-e${seq}`, conversationId, seq, senderId, ts: 1_000 + seq, kind: 'message',
  clientMsgId: `msg-${senderId}-${seq}`, data: { text: `message ${seq} from ${senderId}` },
});

/** Starts a client holding conversation c1 with `size` messages (and a small c2), online. */
async function clientWith(size) {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const chat = createChatClientWith(
    { url: 'http://parley.bench', getToken: async () => 'tok', deviceId: 'd1', ...(process.env.BENCH_DEBUG ? { logger: console } : {}) },
    { transport: wire.factory, timers: clock.timers },
  );
  await flushAsync();
  wire.accept();
  wire.push({ type: 'welcome', protocol: PROTOCOL_VERSION, userId: ME, deviceId: 'd1', serverTime: 1, limits: { editWindowMs: 3_600_000 } });
  const sync = wire.frames('sync').at(-1);
  const events = Array.from({ length: size }, (_, i) => message('c1', i + 1, MEMBERS[i % 3]));
  const summary = (id, lastSeq) => ({
    id, kind: 'group', title: id, members: MEMBERS, memberCount: 3, lastSeq, lastActivityAt: 1_000 + lastSeq, createdAt: 1_000,
    readSeq: lastSeq, deliveredSeq: lastSeq, unread: 0, unreadMentions: 0,
    receipts: MEMBERS.map((userId) => ({ userId, deliveredSeq: lastSeq, readSeq: lastSeq })),
  });
  wire.push({
    type: 'sync.result', reqId: sync.reqId, conversations: [summary('c1', size), summary('c2', 3)], removed: [],
    events: [...events, ...[1, 2, 3].map((seq) => message('c2', seq, 'bob'))], hasMore: false,
  });
  await flushAsync();
  // What an app does on every change: read the snapshot and the open conversation's timeline.
  chat.subscribe(() => {
    chat.getSnapshot();
    chat.getTimeline('c1');
  });
  if (chat.getMessages('c1').length !== size) throw new Error(`expected ${size} messages, got ${chat.getMessages('c1').length}`);
  return { wire, chat, next: size + 1, next2: 4 };
}

/**
 * The frames of one batch: mostly new messages, with reactions and edits of earlier messages
 * anywhere in the conversation, receipts, and now and then a message in another conversation.
 */
function batch(client, random) {
  const frames = [];
  for (let i = 0; i < perBatch; i++) {
    const roll = random();
    const target = 1 + Math.floor(random() * (client.next - 1));
    const other = MEMBERS[1 + (i % 2)];
    const base = { id: `c1-e${client.next}`, conversationId: 'c1', seq: client.next, senderId: other, ts: 1_000 + client.next, clientMsgId: `change-${client.next}` };
    const ref = { messageId: `c1-e${target}`, messageSeq: target };
    if (roll < 0.5) {
      frames.push({ type: 'event', event: message('c1', client.next++, other) });
    } else if (roll < 0.65) {
      frames.push({ type: 'event', event: { ...base, kind: 'reaction.added', data: { ...ref, key: '👍' } } });
      client.next++;
    } else if (roll < 0.72) {
      // Another member's message edited by its sender.
      const sender = MEMBERS[(target - 1) % 3];
      frames.push({ type: 'event', event: { ...base, senderId: sender, kind: 'message.edited', data: { ...ref, text: `edited ${target}` } } });
      client.next++;
    } else if (roll < 0.9) {
      const top = client.next - 1;
      frames.push({ type: 'receipt.update', conversationId: 'c1', userId: other, deliveredSeq: top, ...(roll < 0.8 ? { readSeq: top } : {}) });
    } else {
      frames.push({ type: 'event', event: message('c2', client.next2++, 'bob') });
    }
  }
  return frames;
}

/** Median µs per event over the batches. */
async function measure(size) {
  const client = await clientWith(size);
  const random = seeded(size);
  // One batch to warm up the JIT; not counted.
  for (const frame of batch(client, random)) client.wire.push(frame);
  await flushAsync();
  const perEvent = [];
  for (let b = 0; b < batches; b++) {
    const frames = batch(client, random);
    const started = performance.now();
    for (const frame of frames) client.wire.push(frame);
    await flushAsync();
    perEvent.push(((performance.now() - started) * 1000) / frames.length);
  }
  client.chat.close();
  perEvent.sort((a, b) => a - b);
  return perEvent[Math.floor(perEvent.length / 2)];
}

const results = [];
for (const size of sizes) results.push({ size, us: await measure(size) });
const first = results[0];
const lines = [
  `client per-event cost (bench/client-views.mjs): ${perBatch} frames × ${batches} batches, median µs per frame`,
  '| conversation length | µs per event | vs first |',
  '|---:|---:|---:|',
  ...results.map((r) => `| ${r.size} | ${r.us.toFixed(1)} | ${(r.us / first.us).toFixed(2)}× |`),
];
console.log(lines.join('\n'));
