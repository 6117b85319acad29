// Runs bench servers and load generators as separate processes, each pinned to its own core
// with `taskset` when the machine has one and more than one core, and never past a deadline.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = ['--conditions=@parley/source', '--import', 'tsx'];
const canPin = availableParallelism() > 1 && spawnSync('taskset', ['-V']).status === 0;
export const CORES = { server: '0', load: '1', second: '1' };
export const pinning = canPin ? `taskset: servers on core ${CORES.server}, load generators on core ${CORES.load}` : 'not pinned';

function launch(script, args, { core, nodeArgs = [], env = {}, source = true }) {
  const node = [process.execPath, ...nodeArgs, ...(source ? SOURCE : []), script, ...args];
  const [command, ...rest] = canPin && core !== undefined ? ['taskset', '-c', core, ...node] : node;
  return spawn(command, rest, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Builds the packages (`npm run build`, cached by turbo): bench servers run the built `dist`,
 * what `npm install` gives. Run from source through tsx, every function carries a `name` that
 * esbuild's keepNames defines at run time: ~1.4 KB of heap per connection and CPU on the hot path
 * that no user pays.
 */
export function ensureBuilt() {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

/**
 * Starts a bench server and resolves once it prints its URL; `nodeArgs` adds node flags
 * (`--cpu-prof`). `source: true` runs the TypeScript sources through tsx instead of `dist`
 * (profiles then name the source files).
 */
export async function startServer(script, args = [], { core = CORES.server, env, nodeArgs = [], source = false } = {}) {
  const child = launch(script, args, { core, env, source, nodeArgs: ['--expose-gc', '--max-old-space-size=8192', ...nodeArgs] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`${script} exited with ${code}:\n${output}`)));
  });
  return {
    url,
    pid: child.pid,
    async stats() {
      return (await fetch(`${url}/bench/stats`)).json();
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Runs a load generator against `target` and returns its RESULT. A generator that overruns
 * `timeoutMs` is killed, and the workload is reported as failed rather than hanging the bench.
 */
export function runLoad(script, target, args = [], { timeoutMs = 120_000, core = CORES.load } = {}) {
  const child = launch(script, args, { core, env: { BENCH_TARGET: JSON.stringify(target) } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) return resolve(JSON.parse(line.slice('RESULT '.length)));
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs / 1000} s` : `exit ${code}`;
      resolve({ error: `${why}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}
