import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

/** Runs a command to its end; fails with its output. */
export async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeout = 600_000) {
  try {
    return await exec(command, args, { cwd, env: { ...process.env, ...env }, timeout, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: err });
  }
}

const version = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * A new app outside the repository that installs Parley the way a user does: from the tarballs
 * `npm pack` makes of the three packages (built first), with TypeScript and Node's types.
 */
export async function createPackedApp(): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'parley-packed-'));
  await run('npx', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], ROOT);
  const packages = ['protocol', 'client-sdk', 'server-sdk'];
  await run('npm', ['pack', '--pack-destination', work, ...packages.flatMap((p) => ['-w', `@parley/${p}`])], ROOT);
  const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
  const tarball = (p: string) => `file:../${tarballs.find((f) => f.startsWith(`parley-${p}-`))}`;
  const app = join(work, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  const dependencies = Object.fromEntries(packages.map((p) => [`@parley/${p}`, tarball(p)]));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'parley-packed-app',
      private: true,
      type: 'module',
      dependencies,
      // The SDKs depend on each other by version; here that version is the tarball.
      overrides: { '@parley/protocol': tarball('protocol') },
      devDependencies: { typescript: version('typescript'), '@types/node': version('@types/node') },
    }, null, 2),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app);
  return app;
}

/** Copies the quick-start sources the README shows, and the crash-test bot, into the app. */
export function copyQuickstart(app: string): void {
  cpSync(join(ROOT, 'examples/quickstart/src/server.ts'), join(app, 'src/server.ts'));
  cpSync(join(ROOT, 'examples/quickstart/src/client.ts'), join(app, 'src/client.ts'));
  cpSync(join(ROOT, 'tests/fixtures/burst-bot.ts'), join(app, 'src/burst-bot.ts'));
}

/** Starts a Node program; resolves once a line of its stdout contains `ready`. */
export function startProgram(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  ready: string,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes(ready)) resolve({ child, output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before "${ready}":\n${output}`)));
  });
}
