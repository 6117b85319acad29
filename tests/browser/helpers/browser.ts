import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

/** Chromium from the system (Debian's `chromium`); `.ci/services/chromium.sh` installs it in CI. */
export const chromiumPath = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser tests can run. In CI a missing Chromium is a failure, never a skip: the
 * suite then runs and fails at launch. Locally they are skipped with the reason printed.
 */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath) || process.env.CI === 'true') return true;
  console.warn(`browser tests skipped: no Chromium at ${chromiumPath} (apt-get install chromium, or set PARLEY_CHROMIUM)`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run .ci/services/chromium.sh or set PARLEY_CHROMIUM`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** The test page's script: the client SDK from its sources, bundled for the browser. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../page/app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@parley/source'],
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('the page bundle is empty');
  return output.text;
}

export interface PageServer {
  /** The page's origin; IndexedDB, locks and channels are per origin. */
  origin: string;
  /** The page for `userId` talking to the chat server at `chatUrl`. */
  pageUrl(chatUrl: string, userId: string): string;
  close(): Promise<void>;
}

/**
 * Serves the test page and development tokens from its own loopback origin, so the chat server
 * can stop and start again (the client going offline) while the page still reloads.
 */
export async function startPageServer(issueToken: (userId: string) => Promise<string>): Promise<PageServer> {
  const script = await bundlePage();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://page.test');
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(script);
    } else if (url.pathname === '/token') {
      issueToken(url.searchParams.get('user') ?? 'alice').then(
        (token) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token })),
        () => res.writeHead(500).end(),
      );
    } else if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' })
        .end('<!doctype html><title>Parley test</title><script type="module" src="/app.js"></script>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pageUrl: (chatUrl, userId) => `${origin}/?server=${encodeURIComponent(chatUrl)}&user=${encodeURIComponent(userId)}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
