// W1: 1:1 messages with durable ACK. `pairs` senders each keep `window` sends in flight to their
// own recipient (closed loop) to find the peak; then an open loop at half that rate measures the
// ACK latency a server sees when it is not saturated.
import { connectTarget, issueTokens, pool } from '../lib/lean-client.mjs';
import { args, cpuMeter, latencyHistogram, nowNs, report, serverCpuMeter, sleep, target } from '../lib/measure.mjs';

const opts = args();
const PAIRS = Number(opts.pairs ?? 50);
const WINDOW = Number(opts.window ?? 8);
const SECONDS = Number(opts.seconds ?? 5);
const WARMUP = Number(opts.warmup ?? 1);
const TEXT = 'a benchmark message of an ordinary length, about sixty chars';
const where = target();
// B4: receivers on the second node, so every message crosses Redis.
const receiverTarget = where.urls ? { ...where, url: where.urls[1] } : where;

const senders = Array.from({ length: PAIRS }, (_, i) => `s${i}`);
const receivers = Array.from({ length: PAIRS }, (_, i) => `r${i}`);
const tokens = await issueTokens(where, [...senders, ...receivers]);

const sentAt = new Map();
let histogram = latencyHistogram();
let acked = 0;
let nacks = 0;
let delivered = 0;
let closedLoop = true;
let serial = 0;
const conversations = [];
const senderClients = [];

function sendOne(i) {
  const clientMsgId = `bench-${i}-${++serial}`;
  sentAt.set(clientMsgId, nowNs());
  senderClients[i].send({ type: 'send', conversationId: conversations[i], clientMsgId, data: { text: TEXT } });
}

function onSenderFrame(i, frame) {
  if (frame.type !== 'ack' && frame.type !== 'nack') return;
  if (frame.type === 'nack') nacks++;
  const started = sentAt.get(frame.clientMsgId);
  sentAt.delete(frame.clientMsgId);
  if (started !== undefined) histogram.since(started);
  acked++;
  if (closedLoop) sendOne(i);
}

await pool(PAIRS, 50, async (i) => {
  const sender = await connectTarget(where, {
    userId: senders[i], token: tokens[i], rooms: [`pair-${i}`], onFrame: (frame) => onSenderFrame(i, frame),
  });
  conversations[i] =
    where.kind === 'parley' ? (await sender.request({ type: 'direct.open', userId: receivers[i] })).conversation.id : `pair-${i}`;
  await connectTarget(receiverTarget, {
    userId: receivers[i], token: tokens[PAIRS + i], rooms: [`pair-${i}`], onFrame: (frame) => (frame.type === 'event' ? delivered++ : 0),
  });
  senderClients[i] = sender;
});

// Peak: closed loop; only what completes after the warm-up counts.
for (let i = 0; i < PAIRS; i++) for (let w = 0; w < WINDOW; w++) sendOne(i);
await sleep(WARMUP * 1000);
histogram = latencyHistogram();
const peakStart = { acked, delivered, at: nowNs(), cpu: cpuMeter(), serverCpu: await serverCpuMeter(where) };
await sleep(SECONDS * 1000);
const peakSeconds = Number(nowNs() - peakStart.at) / 1e9;
const serverCpuSeconds = await peakStart.serverCpu();
const peak = {
  msgsPerSec: Math.round((acked - peakStart.acked) / peakSeconds),
  // Messages per second of server CPU: robust to other processes taking the core.
  msgsPerServerCpuSec: Math.round((acked - peakStart.acked) / serverCpuSeconds),
  serverCpuShare: Math.round((serverCpuSeconds / peakSeconds) * 100) / 100,
  deliveriesPerSec: Math.round((delivered - peakStart.delivered) / peakSeconds),
  ack: histogram.summary(),
  loadCpu: peakStart.cpu(),
};
closedLoop = false;
while (sentAt.size > 0) await sleep(10);

// Half of peak: an open loop that sends on a 2 ms tick, whatever the answers do.
const rate = peak.msgsPerSec / 2;
histogram = latencyHistogram();
const halfStart = { acked, at: nowNs(), cpu: cpuMeter() };
let owed = 0;
let next = 0;
let tickAt = nowNs();
const ticker = setInterval(() => {
  // By elapsed time, not by tick count: a late timer must not lower the offered rate.
  const now = nowNs();
  owed += (rate * Number(now - tickAt)) / 1e9;
  tickAt = now;
  for (; owed >= 1; owed--) sendOne(next++ % PAIRS);
}, 2);
await sleep(SECONDS * 1000);
clearInterval(ticker);
const halfSeconds = Number(nowNs() - halfStart.at) / 1e9;
for (let waited = 0; sentAt.size > 0 && waited < 5000; waited += 10) await sleep(10);
const half = {
  offeredPerSec: Math.round(rate),
  msgsPerSec: Math.round((acked - halfStart.acked) / halfSeconds),
  ack: histogram.summary(),
  loadCpu: halfStart.cpu(),
};
report({ pairs: PAIRS, window: WINDOW, peak, half, nacks, unanswered: sentAt.size });
process.exit(0);
