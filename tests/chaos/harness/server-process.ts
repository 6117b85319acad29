import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = 'tests/chaos/harness/chaos-server.ts';

/**
 * The chaos server as a real process on one SQLite data dir: killed, frozen and restarted like
 * a crashing or swapped-out node. Each (re)start picks a new port; `onPort` tells the proxy.
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  port = 0;
  restarts = 0;
  /** What the process printed last: its stats line comes at a graceful stop. */
  private output = '';
  private blipping = false;

  constructor(
    private readonly dataDir: string,
    private readonly secret: string,
    private readonly onPort: (port: number | null) => void,
    /** Store and limit settings for chaos-server.ts (CHAOS_MONGODB_URI, CHAOS_SEND_RATE, …). */
    private readonly env: Record<string, string> = {},
  ) {}

  /** The counters the server printed when it stopped gracefully (store blips), if any. */
  get stats(): Record<string, number> | null {
    const match = /chaos server stats (\{.*\})/.exec(this.output);
    return match ? (JSON.parse(match[1]!) as Record<string, number>) : null;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, CHAOS_DATA_DIR: this.dataDir, CHAOS_SECRET: this.secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.blipping = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let output = '';
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    child.stdout!.on('data', (chunk) => (this.output = (this.output + String(chunk)).slice(-4000)));
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chaos server did not start:\n${output}`)), 30_000);
      child.stdout!.on('data', (chunk) => {
        output += String(chunk);
        const match = /listening on (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      void this.exited.then(() => reject(new Error(`chaos server exited:\n${output}`)));
    });
    this.onPort(this.port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGKILL: no drain, no flush. */
  async kill(): Promise<void> {
    this.onPort(null);
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    this.restarts++;
    await this.start();
  }

  /** SIGSTOP: the process holds its sockets but answers nothing, like a long GC pause or swap. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Store blips on or off (chaos-server.ts toggles them on SIGUSR2); a new process starts without. */
  storeBlips(on: boolean): void {
    if (on === this.blipping || !this.child) return;
    this.blipping = on;
    this.child.kill('SIGUSR2');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  /** Graceful stop (SIGTERM), SIGKILL if it hangs; a frozen process is thawed first. */
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.thaw();
    this.onPort(null);
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
