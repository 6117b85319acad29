import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { startReferenceProcess } from './helpers/reference-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-bot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bot; `until` decides, from its output so far, when to stop it with SIGKILL. */
function runBot(env: NodeJS.ProcessEnv, until?: (output: string) => boolean): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', 'tests/fixtures/burst-bot.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the bot did not finish:\n${output}`));
    }, 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += String(chunk);
      if (until?.(output)) child.kill('SIGKILL');
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += String(chunk)));
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

describe('a Node bot with file storage', () => {
  it('killed with SIGKILL mid-burst, loses no message send() accepted and sends each once, in order, after a restart', async () => {
    const server = await startReferenceProcess(['--dev', '--store', 'memory']);
    try {
      const env = { PARLEY_URL: server.url, BOT_DIR: join(dir, 'bot') };
      const first = await runBot({ ...env, BOT_COUNT: '400' }, (out) => /queued 150\n/.test(out));
      const queued = [...first.matchAll(/queued (\d+)/g)].map((m) => Number(m[1]));
      expect(queued.length).toBeGreaterThan(150);
      expect(first).not.toContain('outbox empty');
      const conversationId = /conversation (\S+)/.exec(first)![1]!;

      const second = await runBot({ ...env, BOT_COUNT: '0' });
      expect(second).toContain('outbox empty');

      const token = await server.issueToken('human');
      const texts: string[] = [];
      for (let after = 0; ; ) {
        const page = (await (await fetch(`${server.url}/api/conversations/${conversationId}/messages?after=${after}&limit=200`, {
          headers: { authorization: `Bearer ${token}` },
        })).json()) as { events: LogEvent[]; hasMore: boolean };
        for (const event of page.events) if (event.kind === 'message') texts.push(event.data.text);
        after = page.events.at(-1)?.seq ?? after;
        if (!page.hasMore) break;
      }
      // Every accepted message is stored once, in send order; a few accepted just before the
      // kill (after their "queued" line was lost with the process) may follow.
      expect(texts.length).toBeGreaterThanOrEqual(Math.max(...queued) + 1);
      expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => `m${i}`));
    } finally {
      await server.kill();
    }
  }, 240_000);
});
