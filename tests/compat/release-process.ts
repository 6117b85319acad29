import { spawn, type ChildProcess } from 'node:child_process';
import { releaseFile, type ReleaseName } from './releases.js';

export interface ReleaseProcess {
  url: string;
  output(): string;
  token(userId: string): Promise<string>;
  /** SIGTERM and wait (the old release's graceful drain). */
  stop(): Promise<number | null>;
  close(): Promise<void>;
}

/**
 * Runs an old release's `parley-server` CLI (its snapshot, not today's code) as a separate
 * process with development auth, as an old node of a rolling deploy would run, and waits until
 * it listens.
 */
export async function startReleaseProcess(release: ReleaseName, args: string[] = ['--store', 'memory']): Promise<ReleaseProcess> {
  const { child, url, output, exited } = await spawnReleaseCli(release, ['--dev', '--port', '0', ...args], { PARLEY_LOG_LEVEL: 'warn' });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    url,
    output,
    token: (userId) => devToken(url, userId),
    stop,
    async close() {
      await stop();
    },
  };
}

/** A running snapshot CLI: its process, the address it listens on, what it printed, and its exit. */
export interface SpawnedCli {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts a release snapshot's `parley-server` CLI with these arguments and waits until it listens. */
export async function spawnReleaseCli(release: ReleaseName, args: string[], env: NodeJS.ProcessEnv): Promise<SpawnedCli> {
  const child = spawn(process.execPath, [releaseFile(release, 'cli.mjs'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${release} server did not start:\n${output}`)), 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(match[1]!);
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`${release} server exited with ${code}:\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}

/**
 * A development token from whichever node listens at `url` now (every node of the cluster shares
 * the dev secret): a device asks the address it connects to, so after a node is replaced at the
 * same address its devices get their tokens from the replacement.
 */
export async function devToken(url: string, userId: string): Promise<string> {
  const res = await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) });
  if (!res.ok) throw new Error(`token from ${url}: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
