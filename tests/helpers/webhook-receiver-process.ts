import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'tests/helpers/webhook-receiver-main.ts';

export interface ReceiverProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGKILL: the receiver dies mid-request, like a crashed app server. */
  kill(): Promise<void>;
}

/**
 * A webhook receiver in a child process on `port` (0: any free one) that appends each verified
 * event id to `logFile` before answering 200. Restart it on the same port and file after a kill.
 */
export async function startReceiverProcess(port: number, secret: string, logFile: string): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', MAIN, String(port), secret, logFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const actual = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /receiver listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => reject(new Error(`receiver exited:\n${output}`)));
  });
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}/hooks`,
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The event ids a receiver process acknowledged so far (with repeats: at least once). */
export function receivedIds(logFile: string): string[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
}
