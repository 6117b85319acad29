// Where an idle connection's heap goes, by V8 type and constructor: heap snapshots of the bench
// server (built packages, `npm run build` first) before and after N idle connections, the growth
// divided by N. What W3 reports as one number, taken apart; also for a baseline:
//
//   node bench/heap-per-connection.mjs                                       # Parley, memory store
//   PROBE_SERVER=bench/servers/sio-relay.mjs node bench/heap-per-connection.mjs   # B2, raw socket.io
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { startServer } from './lib/processes.mjs';
import { connectTarget, issueTokens, pool } from './lib/lean-client.mjs';
const N = Number(process.env.CONNECTIONS ?? 2000);
const server = await startServer(process.env.PROBE_SERVER ?? 'bench/servers/parley.mjs', process.env.PROBE_SERVER ? [] : ['--store', 'memory'], { nodeArgs: ['--heapsnapshot-signal=SIGUSR2'] });
const where = { kind: process.env.PROBE_SERVER ? 'sio' : 'parley', url: server.url };
const snap = async () => {
  const before = new Set(readdirSync('.'));
  await fetch(`${where.url}/bench/stats`);
  process.kill(server.pid, 'SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const f = readdirSync('.').find((x) => !before.has(x) && x.endsWith('.heapsnapshot'));
    if (f) { let s = -1; while (s !== statSync(f).size) { s = statSync(f).size; await new Promise((r) => setTimeout(r, 700)); } return f; }
  }
};
const users = Array.from({ length: N }, (_, i) => `idle${i}`);
const tokens = await issueTokens(where, users);
const clients = [];
await pool(3, 3, async (i) => clients.push(await connectTarget(where, { userId: users[i], token: tokens[i] })));
const a = await snap();
await pool(N - 3, 100, async (i) => clients.push(await connectTarget(where, { userId: users[i + 3], token: tokens[i + 3] })));
await new Promise((r) => setTimeout(r, 2000));
const b = await snap();
await server.stop();
function agg(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  unlinkSync(file);
  const f = s.snapshot.meta.node_fields; const types = s.snapshot.meta.node_types[0];
  const w = f.length; const iT = f.indexOf('type'), iN = f.indexOf('name'), iS = f.indexOf('self_size');
  const m = new Map();
  for (let i = 0; i < s.nodes.length; i += w) {
    const key = `${types[s.nodes[i + iT]]}:${s.strings[s.nodes[i + iN]]}`.slice(0, 90);
    const e = m.get(key) ?? [0, 0]; e[0]++; e[1] += s.nodes[i + iS]; m.set(key, e);
  }
  return m;
}
const A = agg(a), B = agg(b);
const rows = [...B].map(([k, [c, sz]]) => [k, (c - (A.get(k)?.[0] ?? 0)) / (N - 3), (sz - (A.get(k)?.[1] ?? 0)) / (N - 3)]).sort((x, y) => y[2] - x[2]);
let total = 0; for (const r of rows) total += r[2];
console.log('bytes per connection', total.toFixed(0));
for (const r of rows.slice(0, Number(process.env.TOP ?? 30))) console.log(r[2].toFixed(0).padStart(6), r[1].toFixed(2).padStart(6), r[0]);
process.exit(0);
