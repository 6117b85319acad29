// One workload on one system, outside `npm run bench`; with `--cpu-prof DIR` the server runs
// under `node --cpu-prof` and writes its profile there when it stops (open it in Chrome DevTools).
//
//   node bench/lib/alone.mjs bench/load/w6-message-model.mjs --on sqlite [--cpu-prof DIR] [-- --pages 20]
import { parseArgs } from 'node:util';
import { ensureBuilt, runLoad } from './processes.mjs';
import { TARGETS } from './targets.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { on: { type: 'string', default: 'sqlite' }, 'cpu-prof': { type: 'string' }, timeout: { type: 'string', default: '600' } },
});
const [script, ...workloadArgs] = positionals;
const system = TARGETS[values.on];
if (!script || !system) throw new Error(`usage: alone.mjs <workload script> --on ${Object.keys(TARGETS).join('|')} [--cpu-prof DIR] [-- args]`);
const profile = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
ensureBuilt();
// Profiled from source, so the profile names Parley's files; otherwise the built packages, as `npm run bench`.
const running = await system.start({ nodeArgs: profile, source: profile.length > 0 });
try {
  const result = await runLoad(script, running.target, workloadArgs, { timeoutMs: Number(values.timeout) * 1000 });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await running.stop();
}
if (profile.length > 0) process.stderr.write(`server profile: ${values['cpu-prof']}/*.cpuprofile\n`);
