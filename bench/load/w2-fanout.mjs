// W2: fan-out to one 1,000-member group with every member online. One sender keeps `window`
// messages in flight, where a message counts as in flight until every other member got it: the
// rate is what the server sustains, not what piles up in socket buffers.
import { connectTarget, issueTokens, pool } from '../lib/lean-client.mjs';
import { args, cpuMeter, latencyHistogram, nowNs, report, serverCpuMeter, sleep, target } from '../lib/measure.mjs';

const opts = args();
const MEMBERS = Number(opts.members ?? 1000);
const WINDOW = Number(opts.window ?? 16);
const SECONDS = Number(opts.seconds ?? 5);
const WARMUP = Number(opts.warmup ?? 1);
const where = target();
// B4: the sender on one node, every receiver on the other.
const receiverTarget = where.urls ? { ...where, url: where.urls[1] } : where;

const users = Array.from({ length: MEMBERS }, (_, i) => `m${i}`);
const tokens = await issueTokens(where, users);
const remaining = new Map();
let histogram = latencyHistogram();
let deliveries = 0;
let completed = 0;
let sending = true;
let serial = 0;
let conversationId = 'group-1';

function onReceiverFrame(frame) {
  if (frame.type !== 'event' || frame.event.kind !== 'message') return;
  deliveries++;
  histogram.since(frame.event.data.text);
  const left = remaining.get(frame.event.clientMsgId) - 1;
  if (left > 0) return void remaining.set(frame.event.clientMsgId, left);
  remaining.delete(frame.event.clientMsgId);
  completed++;
  if (sending) sendOne();
}

const sender = await connectTarget(where, { userId: users[0], token: tokens[0], rooms: [conversationId] });
if (where.kind === 'parley') {
  const created = await sender.request({ type: 'group.create', title: 'all hands', members: users.slice(1, 100) });
  conversationId = created.conversation.id;
  for (let i = 100; i < MEMBERS; i += 100) {
    await sender.request({ type: 'members.add', conversationId, userIds: users.slice(i, i + 100) });
  }
}
await pool(MEMBERS - 1, 100, async (i) => {
  await connectTarget(receiverTarget, { userId: users[i + 1], token: tokens[i + 1], rooms: [conversationId], onFrame: onReceiverFrame });
});

function sendOne() {
  const clientMsgId = `fan-${++serial}-bench`;
  remaining.set(clientMsgId, MEMBERS - 1);
  // The text is the send time: receivers measure send→receive from it.
  sender.send({ type: 'send', conversationId, clientMsgId, data: { text: String(nowNs()) } });
}

for (let i = 0; i < WINDOW; i++) sendOne();
await sleep(WARMUP * 1000);
histogram = latencyHistogram();
const start = { deliveries, completed, at: nowNs(), cpu: cpuMeter(), serverCpu: await serverCpuMeter(where) };
await sleep(SECONDS * 1000);
const seconds = Number(nowNs() - start.at) / 1e9;
const serverCpuSeconds = await start.serverCpu();
const result = {
  members: MEMBERS,
  window: WINDOW,
  deliveriesPerSec: Math.round((deliveries - start.deliveries) / seconds),
  deliveriesPerServerCpuSec: Math.round((deliveries - start.deliveries) / serverCpuSeconds),
  serverCpuShare: Math.round((serverCpuSeconds / seconds) * 100) / 100,
  messagesPerSec: Math.round(((completed - start.completed) / seconds) * 10) / 10,
  latency: histogram.summary(),
  loadCpu: start.cpu(),
};
sending = false;
for (let waited = 0; remaining.size > 0 && waited < 5000; waited += 10) await sleep(10);
report({ ...result, undelivered: [...remaining.values()].reduce((a, b) => a + b, 0) });
process.exit(0);
