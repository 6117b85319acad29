import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { startReferenceProcess } from './helpers/reference-process.js';
import { expectBotLosesNothing, runBurstBot } from './helpers/burst-bot.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-bot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Node bot with file storage', () => {
  it('killed with SIGKILL mid-burst, loses no message send() accepted and sends each once, in order, after a restart', async () => {
    const server = await startReferenceProcess(['--dev', '--store', 'memory']);
    try {
      const env = { PARLEY_URL: server.url, BOT_DIR: join(dir, 'bot') };
      await expectBotLosesNothing(server, (more, killWhen) =>
        runBurstBot(['--conditions=@parley/source', '--import', 'tsx', 'tests/fixtures/burst-bot.ts'], ROOT, { ...env, ...more }, killWhen),
      );
    } finally {
      await server.kill();
    }
  }, 240_000);
});
