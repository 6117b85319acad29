// `npm run bench`: every Parley workload next to its baselines, measured in the same run, as a
// table; the raw results go to bench/results/. Loopback only; every workload has a deadline.
//
//   npm run bench [-- --quick] [-- --only W1,W3,W5,profile,store,client,search]
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, ensureBuilt, pinning, runLoad } from './lib/processes.mjs';
import { TARGETS } from './lib/targets.mjs';
import { evaluate } from './lib/table.mjs';
import { profileTable, summarizeProfile } from './lib/profile-summary.mjs';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' } } });
const quick = values.quick === true;
const only = values.only ? new Set(values.only.split(',')) : null;
const seconds = quick ? '2' : '5';

/** Workload → the systems it runs on and the generator's arguments. */
const WORKLOADS = [
  { id: 'W1', script: 'bench/load/w1-direct.mjs', on: ['B1', 'B2', 'B4', 'memory', 'sqlite'], args: ['--seconds', seconds] },
  { id: 'W2', script: 'bench/load/w2-fanout.mjs', on: ['B1', 'B2', 'B4', 'memory', 'sqlite'], args: ['--seconds', seconds] },
  {
    id: 'W3', script: 'bench/load/w3-idle.mjs', on: ['B2', 'memory'],
    args: ['--connections', quick ? '2000' : '10000'], timeoutMs: 180_000,
  },
  {
    id: 'W4', script: 'bench/load/w4-resync.mjs', on: ['memory', 'sqlite'],
    args: quick ? ['--repeats', '3', '--clients', '200'] : [], timeoutMs: 240_000,
  },
  // One node against two over Redis, both on SQLite: the only store two processes can share.
  { id: 'W5', script: 'bench/load/w5-cross-node.mjs', on: ['sqlite', 'sqlite2'], args: ['--seconds', seconds] },
  // The message model on reads: a conversation full of edits, reactions and threads against a plain one.
  {
    id: 'W6', script: 'bench/load/w6-message-model.mjs', on: ['memory', 'sqlite'],
    args: quick ? ['--messages', '2000', '--pages', '10', '--repeats', '3', '--cold', '5'] : [], timeoutMs: 480_000,
  },
];

const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${pinning}`;
const startLoad = loadavg()[0].toFixed(2);
process.stderr.write(`Parley bench: ${machine}\n`);
ensureBuilt();
const results = {};
for (const workload of WORKLOADS) {
  if (only && !only.has(workload.id)) continue;
  results[workload.id] = {};
  for (const name of workload.on) {
    const system = TARGETS[name];
    if (system.available && !system.available()) {
      results[workload.id][name] = { skipped: 'redis-server not installed' };
      continue;
    }
    process.stderr.write(`${workload.id} on ${system.label}… `);
    const running = await system.start();
    try {
      results[workload.id][name] = await runLoad(workload.script, running.target, workload.args, { timeoutMs: workload.timeoutMs ?? 90_000 });
    } finally {
      await running.stop();
    }
    process.stderr.write(`${JSON.stringify(results[workload.id][name])}\n`);
  }
}

/**
 * Where the send path's CPU goes: W1 once more on each Parley store, the server's V8 profiler
 * running from the load's first connection to its last ACK (no start-up), summarized. A separate
 * run, so the profiler's cost never touches the figures above; from source, so the profile names
 * files (the figures above run the built packages).
 */
let profileText = '';
if (!only || only.has('W1') || only.has('profile')) {
  const sections = [];
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  for (const name of ['memory', 'sqlite']) {
    process.stderr.write(`W1 on ${TARGETS[name].label}, profiled… `);
    // From source, so the profile names Parley's files (tsx adds its `__name` calls: ~1% here).
    const running = await TARGETS[name].start({ source: true });
    try {
      const post = async (path) => (await fetch(`${running.target.url}${path}`, { method: 'POST' })).json();
      await post('/bench/profile/start');
      const result = await runLoad('bench/load/w1-direct.mjs', running.target, ['--seconds', seconds], { timeoutMs: 90_000 });
      const profile = await post('/bench/profile/stop');
      if (result.error) throw new Error(result.error);
      const sends = result.peak.ack.count + result.half.ack.count;
      const file = `bench/results/w1-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`;
      writeFileSync(join(ROOT, file), JSON.stringify(profile));
      sections.push(profileTable(`W1 send path, Parley ${name} (V8 profile of the server, sampled every 250 µs; ${file}, opens in Chrome DevTools)`, summarizeProfile(profile), sends));
      process.stderr.write('done\n');
    } catch (err) {
      sections.push(`W1 profile on ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      process.stderr.write('failed\n');
    } finally {
      await running.stop();
    }
  }
  profileText = sections.join('\n\n');
}

let storeTable = '';
if (!only || only.has('store')) {
  process.stderr.write('store micro-bench (bench/store.mjs)…\n');
  const store = spawnSync(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', 'bench/store.mjs', '--seconds', quick ? '1' : '2'], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
  storeTable = store.status === 0 ? store.stdout.trim() : `store bench failed: ${store.stderr.trim().split('\n').at(-1)}`;
}

let clientTable = '';
if (!only || only.has('client')) {
  process.stderr.write('client per-event micro-bench (bench/client-views.mjs)…\n');
  const client = spawnSync(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', 'bench/client-views.mjs', ...(quick ? ['--events', '100', '--batches', '3'] : [])], {
    cwd: ROOT, encoding: 'utf8', timeout: 300_000,
  });
  clientTable = client.status === 0 ? client.stdout.trim() : `client bench failed: ${client.stderr.trim().split('\n').at(-1)}`;
}

let searchTable = '';
if (!only || only.has('search')) {
  // 1,000,000 messages take a few minutes to build; --quick searches 200,000.
  process.stderr.write('search bench (bench/search.mjs)…\n');
  const search = spawnSync(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', 'bench/search.mjs', ...(quick ? ['--messages', '200000', '--samples', '50'] : [])], {
    cwd: ROOT, encoding: 'utf8', timeout: 1_800_000, stdio: ['ignore', 'pipe', 'inherit'],
  });
  searchTable = search.status === 0 ? search.stdout.trim() : `search bench failed (status ${search.status})`;
}

const table = evaluate(results);
// Other work on the machine skews absolute figures; the load average says how much there was.
const load = `load average at start ${startLoad}, at end ${loadavg()[0].toFixed(2)} (${availableParallelism()} cores)`;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const text = [`Parley bench, ${stamp}`, machine, load, `command: npm run bench${quick ? ' -- --quick' : ''}`, '', table, '', profileText, '', storeTable, '', clientTable, '', searchTable].join('\n');
console.log(`\n${text}`);
const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${stamp}.json`), JSON.stringify({ machine, load, quick, results }, null, 2));
writeFileSync(join(dir, `${stamp}.md`), `${text}\n`);
process.stderr.write(`results: bench/results/${stamp}.{json,md}\n`);
