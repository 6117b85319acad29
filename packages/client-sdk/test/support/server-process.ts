import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChatClient, type ChatClient } from '@parley/client-sdk';

/** Steps a test file runs after each test, last first. */
export type Teardown = (() => Promise<void> | void)[];

/**
 * A real `parley-server` process (memory store, development auth). A separate process, not an
 * in-process server: the DOM environment these hooks need swaps globals the server's crypto uses.
 */
export async function startServerProcess(teardown: Teardown) {
  const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../../server-sdk/src/cli.ts');
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', cli, '--dev', '--store', 'memory', '--port', '0'], {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', PARLEY_ALLOWED_ORIGINS: '*' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  teardown.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += String(chunk);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`parley-server exited: ${output}`)));
  });
  const token = async (userId: string) => {
    const res = await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) });
    return ((await res.json()) as { token: string }).token;
  };
  const client = (userId: string): ChatClient => {
    const c = createChatClient({ url, getToken: () => token(userId), reconnect: { baseMs: 20, maxMs: 100 } });
    teardown.push(() => c.close());
    return c;
  };
  /** Open sockets as the server counts them (its Prometheus gauge). */
  const connections = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^parley_connections (\d+)/m.exec(text)?.[1] ?? 0);
  };
  return { url, client, token, connections };
}

