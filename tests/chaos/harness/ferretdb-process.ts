import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/redis-server.js';
import { sleep } from './world.js';

const VERSION = 'v1.24.2';

/** The FerretDB binary .ci/services/ferretdb.sh would use (it builds one into the cache), or null. */
export function findFerretdb(): string | null {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'parley', `ferretdb-${VERSION}`, 'ferretdb');
  const candidates = [process.env.PARLEY_FERRETDB_BIN, cache, 'ferretdb', join(homedir(), 'go', 'bin', 'ferretdb')];
  return candidates.find((bin) => bin && spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0) ?? null;
}

/**
 * A private FerretDB (MongoDB wire protocol on SQLite) in `dir`, on one loopback port for its
 * whole life: SIGKILLed and restarted on the same data dir and port, like a crashing database
 * whose clients reconnect to the same address.
 */
export class FerretdbProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  kills = 0;

  private constructor(
    private readonly binary: string,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(binary: string, dir: string): Promise<FerretdbProcess> {
    mkdirSync(join(dir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'state'), { recursive: true });
    const ferret = new FerretdbProcess(binary, dir, await freePort());
    await ferret.start();
    return ferret;
  }

  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  async start(): Promise<void> {
    const args = [
      '--handler=sqlite', `--sqlite-url=file:${join(this.dir, 'data')}/`, `--listen-addr=127.0.0.1:${this.port}`,
      `--state-dir=${join(this.dir, 'state')}`, '--debug-addr=-', '--telemetry=disable', '--log-level=error',
    ];
    const child = spawn(this.binary, args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    while (!(await accepts(this.port))) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`FerretDB exited at start (${child.exitCode ?? child.signalCode})`);
      if (Date.now() > deadline) throw new Error(`FerretDB did not accept connections on ${this.port} within 30 s`);
      await sleep(50);
    }
  }

  /** Starts it again unless it runs (a run heals before the oracle looks). */
  async ensureRunning(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    await this.start();
  }

  /** SIGKILL: whatever FerretDB had not written to its SQLite files is gone. */
  async kill(): Promise<void> {
    this.kills++;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
