import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { LogEvent } from '@parley/protocol';

/**
 * Runs the burst bot (tests/fixtures/burst-bot.ts, from source or built into an app) as a process;
 * `killWhen` decides, from its output so far, when to SIGKILL it. Resolves with its output.
 */
export function runBurstBot(args: string[], cwd: string, env: NodeJS.ProcessEnv, killWhen?: (output: string) => boolean): Promise<string> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bot did not finish:\n${output}`));
    }, 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += String(chunk);
      if (killWhen?.(output)) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

/**
 * The crash test: a bot sends 400 messages and is killed with SIGKILL once 150 were accepted;
 * restarted on the same directory, it delivers the rest of its outbox. Every message send()
 * accepted must then be stored once, in send order, read back over REST.
 */
export async function expectBotLosesNothing(
  server: { url: string; issueToken(userId: string): Promise<string> },
  run: (env: NodeJS.ProcessEnv, killWhen?: (output: string) => boolean) => Promise<string>,
): Promise<void> {
  const first = await run({ BOT_COUNT: '400' }, (out) => /queued 150\n/.test(out));
  const queued = [...first.matchAll(/queued (\d+)/g)].map((m) => Number(m[1]));
  expect(queued.length).toBeGreaterThan(150);
  expect(first).not.toContain('outbox empty');
  const conversationId = /conversation (\S+)/.exec(first)![1]!;
  expect(await run({ BOT_COUNT: '0' })).toContain('outbox empty');

  const token = await server.issueToken('human');
  const texts: string[] = [];
  for (let after = 0; ; ) {
    const res = await fetch(`${server.url}/api/conversations/${conversationId}/messages?after=${after}&limit=200`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await res.json()) as { events: LogEvent[]; hasMore: boolean };
    for (const event of page.events) if (event.kind === 'message') texts.push(event.data.text ?? '');
    after = page.events.at(-1)?.seq ?? after;
    if (!page.hasMore) break;
  }
  // A few accepted just before the kill (their "queued" line lost with the process) may follow.
  expect(texts.length).toBeGreaterThanOrEqual(Math.max(...queued) + 1);
  expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => `m${i}`));
}
