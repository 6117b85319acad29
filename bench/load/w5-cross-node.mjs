// W5: cross-node delivery. `pairs` senders each keep `window` messages in flight to their own
// recipient, where a message is in flight until the recipient got it (closed loop, the peak
// delivery rate); then an open loop at a fixed `rate` for the send→receive latency, the same rate
// on every system so the latencies compare. On a two-node target the senders connect to the first
// node and the recipients to the second, so every message crosses Redis; on one node both do.
import { connectTarget, issueTokens, pool } from '../lib/lean-client.mjs';
import { args, cpuMeter, latencyHistogram, nowNs, report, serverCpuMeter, sleep, target } from '../lib/measure.mjs';

const opts = args();
const PAIRS = Number(opts.pairs ?? 50);
const WINDOW = Number(opts.window ?? 8);
const SECONDS = Number(opts.seconds ?? 5);
const WARMUP = Number(opts.warmup ?? 1);
const RATE = Number(opts.rate ?? 500);
const where = target();
const receiverTarget = where.urls ? { ...where, url: where.urls[1] } : where;

const senders = Array.from({ length: PAIRS }, (_, i) => `s${i}`);
const receivers = Array.from({ length: PAIRS }, (_, i) => `r${i}`);
const tokens = await issueTokens(where, [...senders, ...receivers]);

let histogram = latencyHistogram();
let delivered = 0;
let nacks = 0;
let closedLoop = true;
let serial = 0;
const inFlight = new Set();
const conversations = [];
const senderClients = [];

function sendOne(i) {
  const clientMsgId = `bench-${i}-${++serial}`;
  inFlight.add(clientMsgId);
  // The send time travels in the message: CLOCK_MONOTONIC compares across processes.
  senderClients[i].send({ type: 'send', conversationId: conversations[i], clientMsgId, data: { text: String(nowNs()) } });
}

function onReceiverFrame(i, frame) {
  if (frame.type !== 'event' || frame.event.kind !== 'message') return;
  if (!inFlight.delete(frame.event.clientMsgId)) return;
  histogram.since(frame.event.data.text);
  delivered++;
  if (closedLoop) sendOne(i);
}

function onSenderFrame(i, frame) {
  if (frame.type !== 'nack') return;
  // A refused send is never delivered: free its slot so the window does not shrink.
  nacks++;
  inFlight.delete(frame.clientMsgId);
  if (closedLoop) sendOne(i);
}

await pool(PAIRS, 50, async (i) => {
  const sender = await connectTarget(where, { userId: senders[i], token: tokens[i], onFrame: (frame) => onSenderFrame(i, frame) });
  conversations[i] = (await sender.request({ type: 'direct.open', userId: receivers[i] })).conversation.id;
  await connectTarget(receiverTarget, { userId: receivers[i], token: tokens[PAIRS + i], onFrame: (frame) => onReceiverFrame(i, frame) });
  senderClients[i] = sender;
});

// Peak: closed loop on deliveries; only what arrives after the warm-up counts.
for (let i = 0; i < PAIRS; i++) for (let w = 0; w < WINDOW; w++) sendOne(i);
await sleep(WARMUP * 1000);
histogram = latencyHistogram();
const peakStart = { delivered, at: nowNs(), cpu: cpuMeter(), serverCpu: await serverCpuMeter(where) };
await sleep(SECONDS * 1000);
const peakSeconds = Number(nowNs() - peakStart.at) / 1e9;
const serverCpuSeconds = await peakStart.serverCpu();
const peak = {
  deliveriesPerSec: Math.round((delivered - peakStart.delivered) / peakSeconds),
  // Per second of server CPU (both nodes summed on two nodes; Redis not counted).
  deliveriesPerServerCpuSec: Math.round((delivered - peakStart.delivered) / serverCpuSeconds),
  serverCpuShare: Math.round((serverCpuSeconds / peakSeconds) * 100) / 100,
  latency: histogram.summary(),
  loadCpu: peakStart.cpu(),
};
closedLoop = false;
for (let waited = 0; inFlight.size > 0 && waited < 10_000; waited += 10) await sleep(10);

// Fixed rate: an open loop on a 2 ms tick, whatever the deliveries do.
histogram = latencyHistogram();
const fixedStart = { delivered, at: nowNs(), cpu: cpuMeter() };
let owed = 0;
let next = 0;
let tickAt = nowNs();
const ticker = setInterval(() => {
  const now = nowNs();
  owed += (RATE * Number(now - tickAt)) / 1e9;
  tickAt = now;
  for (; owed >= 1; owed--) sendOne(next++ % PAIRS);
}, 2);
await sleep(SECONDS * 1000);
clearInterval(ticker);
const fixedSeconds = Number(nowNs() - fixedStart.at) / 1e9;
for (let waited = 0; inFlight.size > 0 && waited < 5000; waited += 10) await sleep(10);
const fixed = {
  offeredPerSec: RATE,
  deliveriesPerSec: Math.round((delivered - fixedStart.delivered) / fixedSeconds),
  latency: histogram.summary(),
  loadCpu: fixedStart.cpu(),
};
report({ pairs: PAIRS, window: WINDOW, nodes: where.urls?.length ?? 1, peak, fixed, nacks, undelivered: inFlight.size });
process.exit(0);
