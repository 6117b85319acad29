// W3: idle connections. Opens up to `connections` sockets (each its own user, as real clients
// are) with `concurrency` handshakes in flight, then asks the server for its heap and RSS after
// a full GC: the growth divided by the count is the cost of one idle connection.
import { readFileSync } from 'node:fs';
import { connectTarget, issueTokens, pool } from '../lib/lean-client.mjs';
import { args, cpuMeter, nowNs, report, sleep, target } from '../lib/measure.mjs';

const opts = args();
const where = target();
// Both processes need one descriptor per connection; stay clear of the soft limit.
const softLimit = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 1024);
const COUNT = Math.min(Number(opts.connections ?? 10_000), softLimit - 256);
const CONCURRENCY = Number(opts.concurrency ?? 100);
const stats = async () => (await fetch(`${where.url}/bench/stats`)).json();

const users = Array.from({ length: COUNT }, (_, i) => `idle${i}`);
const tokens = await issueTokens(where, users);
const before = await stats();
const clients = [];
const cpu = cpuMeter();
const started = nowNs();
let failed = 0;
await pool(COUNT, CONCURRENCY, async (i) => {
  try {
    clients.push(await connectTarget(where, { userId: users[i], token: tokens[i], rooms: [] }));
  } catch {
    failed++;
  }
});
const seconds = Number(nowNs() - started) / 1e9;
const loadCpu = cpu();
await sleep(2000); // let welcome frames and handshake garbage settle
const after = await stats();
const connected = clients.length;
report({
  connections: connected,
  failed,
  softLimit,
  handshakesPerSec: Math.round(connected / seconds),
  heapPerConnKB: Math.round(((after.heapUsed - before.heapUsed) / connected / 1024) * 10) / 10,
  rssPerConnKB: Math.round(((after.rss - before.rss) / connected / 1024) * 10) / 10,
  serverHeapMB: Math.round(after.heapUsed / 1e6),
  serverRssMB: Math.round(after.rss / 1e6),
  loadCpu,
});
for (const client of clients) client.close();
process.exit(0);
