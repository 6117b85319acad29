import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = 'packages/server-sdk/src/cli.ts';

export interface ReferenceProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  issueToken(userId: string): Promise<string>;
  /** SIGTERM and wait (graceful); resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no drain, no flush, like a crash or an OOM kill. */
  kill(): Promise<void>;
}

/** Runs `parley-server` as a real separate process, from source, and waits until it listens. */
export async function startReferenceProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ReferenceProcess> {
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', CLI, '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    async issueToken(userId) {
      const res = await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) });
      if (!res.ok) throw new Error(`token: ${res.status}`);
      return ((await res.json()) as { token: string }).token;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
