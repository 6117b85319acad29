import type { ChildProcess } from 'node:child_process';
import { startReferenceProcess } from '../helpers/reference-process.js';
import { devToken, spawnReleaseCli } from './release-process.js';

export { devToken };
import type { ReleaseName } from './releases.js';

/** A node of a mixed-version cluster: a previous release's CLI or today's, as a child process. */
export interface ClusterNode {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  output(): string;
  token(userId: string): Promise<string>;
  /** The exit code or signal once the process ended; null while it runs. */
  ended(): string | null;
  /** SIGTERM (the graceful drain) and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** What a node shares with the others of its cluster, as a rolling deploy runs them. */
export interface ClusterConfig {
  dataDir: string;
  redisUrl: string;
  devSecret: string;
}

const nodeArgs = (config: ClusterConfig, port: number) => ['--dev', '--store', 'sqlite', '--data-dir', config.dataDir, '--port', String(port)];
const nodeEnv = (config: ClusterConfig) => ({ REDIS_URL: config.redisUrl, PARLEY_DEV_SECRET: config.devSecret, PARLEY_LOG_LEVEL: 'warn' });

/** The lines of a node's output that say a process error went unhandled (a crash, or about to be one). */
export function crashLines(node: ClusterNode): string[] {
  // A current node logs JSON lines: none may be an error (e.g. a store closed under a pending write).
  return node.output().split('\n').filter((line) => /uncaught|unhandled/i.test(line) || (node.name.includes('new node') && /"level":"error"/.test(line)));
}


function wrap(name: string, url: string, child: ChildProcess, output: () => string, exited: Promise<number | null>): ClusterNode {
  return {
    name,
    url,
    port: Number(new URL(url).port),
    output,
    token: (userId) => devToken(url, userId),
    ended: () => (child.exitCode !== null ? `exit ${child.exitCode}` : child.signalCode),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A node of today's release (the reference server from source). `port` 0 picks a free one. */
export async function startCurrentNode(name: string, config: ClusterConfig, port = 0): Promise<ClusterNode> {
  // The helper puts `--port 0` first; the last `--port` wins.
  const node = await startReferenceProcess(nodeArgs(config, port), nodeEnv(config));
  const exited = new Promise<number | null>((resolve) => {
    if (node.child.exitCode !== null) resolve(node.child.exitCode);
    else node.child.once('exit', (code) => resolve(code));
  });
  return wrap(name, node.url, node.child, node.output, exited);
}

/**
 * A node of a previous release, from its snapshot's `parley-server` CLI (same flags and
 * environment as today's: `--dev --store sqlite --data-dir`, `REDIS_URL`, `PARLEY_DEV_SECRET`).
 */
export async function startReleaseNode(release: ReleaseName, config: ClusterConfig, port = 0): Promise<ClusterNode> {
  const { child, url, output, exited } = await spawnReleaseCli(release, nodeArgs(config, port), nodeEnv(config));
  return wrap(`${release} node`, url, child, output, exited);
}
