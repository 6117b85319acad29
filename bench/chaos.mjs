// `npm run chaos`: the long chaos run. Every scenario of tests/chaos at full size (1,000 clients
// in the mass reconnect), loopback only, each bounded in time; prints the counts per scenario
// and exits non-zero if the oracle found anything. `--short` runs the `npm test` sizes.
//
//   npm run chaos [-- --seed 123] [-- --only sigkill,lostAcks] [-- --short]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosSeed } from '../tests/chaos/harness/prng.ts';
import { LONG, SHORT, runChaos } from '../tests/chaos/harness/run-chaos.ts';
import * as scenarios from '../tests/chaos/harness/scenarios.ts';
import { ROOT } from './lib/processes.mjs';

const { values } = parseArgs({ options: { seed: { type: 'string' }, only: { type: 'string' }, short: { type: 'boolean' } } });
const seed = values.seed ? Number(values.seed) : chaosSeed();
const scale = values.short ? SHORT : LONG;
const named = Object.entries(scenarios).filter(([key]) => key !== 'SCENARIOS');
const chosen = values.only ? named.filter(([key]) => values.only.split(',').includes(key)) : named;

process.stderr.write(`Parley chaos, seed ${seed}, ${values.short ? 'short' : 'long'} run\n`);
const reports = [];
for (const [key, scenario] of chosen) {
  process.stderr.write(`${key}: ${scenario.name}… `);
  const missing = scenario.unavailable?.() ?? null;
  if (missing !== null) {
    // In CI a missing service fails the run instead of skipping it.
    const skipped = { scenario: scenario.name, sent: 0, acked: 0, failed: 0, delivered: 0, lost: 0, duplicated: 0, reordered: 0, notes: [`skipped: ${missing}`] };
    reports.push({ key, seconds: 0, ...skipped, violations: process.env.CI === 'true' ? [`not run in CI: ${missing}`] : [] });
    process.stderr.write(`skipped: ${missing}\n`);
    continue;
  }
  const started = Date.now();
  const report = await runChaos(scenario, { seed, scale, settleMs: 60_000 });
  reports.push({ key, seconds: Math.round((Date.now() - started) / 100) / 10, ...report });
  process.stderr.write(`${report.violations.length === 0 ? 'clean' : `${report.violations.length} VIOLATIONS`}\n`);
}

const header = ['scenario', 'sent', 'ACKed', 'failed', 'delivered', 'lost', 'duplicated', 'reordered', 'violations', 'notes', 's'];
const rows = reports.map((r) => [
  r.scenario, r.sent, r.acked, r.failed, r.delivered, r.lost, r.duplicated, r.reordered, r.violations.length, r.notes.join('; '), r.seconds,
]);
const table = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
console.log(`\nParley chaos, seed ${seed} (replay: npm run chaos -- --seed ${seed})\n\n${table}`);
for (const r of reports) for (const violation of r.violations.slice(0, 20)) console.log(`${r.key}: ${violation}`);
const dir = join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ seed, scale, reports }, null, 2));
process.stderr.write(`results: ${file}\n`);
process.exit(reports.some((r) => r.violations.length > 0) ? 1 : 0);
