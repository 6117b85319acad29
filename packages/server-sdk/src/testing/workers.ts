import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const READY = 'parley-worker:ready';
const GO = 'parley-worker:go';
const RESULT = 'parley-worker:result ';

export interface WorkerResult {
  /** Exit code of the process (null if a signal ended it). */
  code: number | null;
  /** What the worker passed to `reportWorkerResult`, or undefined if it never did. */
  result: unknown;
  stderr: string;
}

export interface RunWorkersOptions {
  /** Node flags. Default: run TypeScript from the sources (`--conditions=@parley/source --import tsx`). */
  nodeArgs?: string[];
  cwd?: string;
  /** Kills every worker after this long. Default 60 s. */
  timeoutMs?: number;
}

/**
 * Runs one Node process per entry of `envs` on the same `script`, holds them at a start line
 * until all are ready (see `awaitStartSignal`), releases them together and resolves with each
 * one's result. Multi-process tests use it to make several "server nodes" write to one database
 * at the same moment.
 *
 * @example
 * const results = await runWorkers('tests/append-worker.ts', [{ WORKER: 'a' }, { WORKER: 'b' }]);
 * expect(results.every((r) => r.code === 0)).toBe(true);
 */
export async function runWorkers(
  script: string,
  envs: Array<Record<string, string>>,
  options: RunWorkersOptions = {},
): Promise<WorkerResult[]> {
  const nodeArgs = options.nodeArgs ?? ['--conditions=@parley/source', '--import', 'tsx'];
  const children = envs.map((env) =>
    spawn(process.execPath, [...nodeArgs, script], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const timer = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), options.timeoutMs ?? 60_000);
  try {
    const runs = children.map(watch);
    await Promise.all(runs.map((run) => run.ready));
    // Ending stdin with the signal lets each worker exit once its work is done.
    for (const child of children) child.stdin?.end(`${GO}\n`);
    return await Promise.all(runs.map((run) => run.done));
  } finally {
    clearTimeout(timer);
  }
}

function watch(child: ChildProcess) {
  let stderr = '';
  let result: unknown;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<WorkerResult>((resolve) => {
    child.on('close', (code) => resolve({ code, result, stderr }));
  });
  // A worker that dies before it is ready must not hold the others at the start line forever.
  const ready = new Promise<void>((resolve) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line === READY) resolve();
      else if (line.startsWith(RESULT)) result = JSON.parse(line.slice(RESULT.length)) as unknown;
    });
    void done.then(() => resolve());
  });
  return { ready, done };
}

/**
 * Worker side of `runWorkers`: tells the parent this process is ready and waits for the signal
 * that releases all workers at once.
 *
 * @example
 * const store = openMyStore();
 * await awaitStartSignal();
 * reportWorkerResult(await appendBurst(store, { conversationId: 'c1', senderId: 'w1', count: 100 }));
 */
export function awaitStartSignal(): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line !== GO) return;
      lines.close();
      resolve();
    });
    process.stdout.write(`${READY}\n`);
  });
}

/**
 * Worker side of `runWorkers`: hands a JSON-serialisable result to the parent.
 *
 * @example
 * reportWorkerResult({ seqs: results.map((r) => r.event.seq) });
 */
export function reportWorkerResult(value: unknown): void {
  process.stdout.write(`${RESULT}${JSON.stringify(value)}\n`);
}
