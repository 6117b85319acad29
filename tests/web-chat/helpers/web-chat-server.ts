import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import webPush from 'web-push';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export interface WebChatServer {
  url: string;
  token(userId: string): Promise<string>;
  /**
   * Builds the app again into the folder the server serves (a deploy of a new version), with
   * extra `vite build` arguments (e.g. `['--minify', 'false']`: other bytes, so a new version).
   */
  rebuild(args?: string[]): void;
  stop(): Promise<void>;
}

/** `vite build` of examples/web-chat into `outDir`, as the tests serve it. */
function buildWebChat(outDir: string, args: string[] = []): void {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error', ...args], {
    cwd: join(ROOT, 'examples/web-chat'),
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`web chat build failed:\n${build.stdout}${build.stderr}`);
}

/** Server options for a test that needs what the CLI does not set (e.g. a short edit window). */
export interface WebChatServerOptions {
  /** `createChatServer({ messages })`, e.g. `{ editWindowMs: 15_000 }`. */
  messages?: { editWindowMs?: number };
  /** A `beforeSend` hook that stores these words masked (`***`): content the server replaced. */
  maskWords?: string[];
  /** `off`: a server that takes no files (`PARLEY_FILES=off`). */
  files?: 'off';
  /** A server that sends Web Push (`PARLEY_VAPID_*`, with a key pair made for it): the app offers notifications. */
  webPush?: boolean;
}

/**
 * Builds examples/web-chat into a temporary folder and runs `parley-server --dev --static` on it,
 * as `npm start` does (memory store, a free port), so the tests drive what a user would run.
 * With `options`, the same server from a small script that passes them on (web-chat-process.ts).
 */
export async function startWebChatServer(options?: WebChatServerOptions): Promise<WebChatServer> {
  const outDir = mkdtempSync(join(tmpdir(), 'parley-web-chat-'));
  buildWebChat(outDir);
  // The server's data (files sent in the tests, the blob secret) in a folder of its own, removed after.
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-web-chat-data-'));

  const { files, webPush: withWebPush, ...chatOptions } = options ?? {};
  const vapid = withWebPush ? webPush.generateVAPIDKeys() : undefined;
  const custom = Object.keys(chatOptions).length > 0;
  const server = custom
    ? [fileURLToPath(new URL('./web-chat-process.ts', import.meta.url)), outDir]
    : ['packages/server-sdk/src/cli.ts', '--dev', '--store', 'memory', '--port', '0', '--static', outDir];
  const child = spawn(process.execPath, ['--conditions=@parley/source', '--import', 'tsx', ...server], {
    cwd: ROOT,
    env: {
      ...process.env,
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_DATA_DIR: dataDir,
      ...(files ? { PARLEY_FILES: files } : {}),
      ...(vapid
        ? { PARLEY_VAPID_PUBLIC_KEY: vapid.publicKey, PARLEY_VAPID_PRIVATE_KEY: vapid.privateKey, PARLEY_VAPID_SUBJECT: 'mailto:ops@parley.test' }
        : {}),
      ...(custom ? { PARLEY_TEST_CHAT_OPTIONS: JSON.stringify(chatOptions) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((done, fail) => {
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) done(match[1]!);
    });
    void exited.then(() => fail(new Error(`parley-server exited:\n${output}`)));
  });
  return {
    url,
    async token(userId) {
      const res = await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ userId }) });
      return ((await res.json()) as { token: string }).token;
    },
    rebuild: (args) => buildWebChat(outDir, args),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(outDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
