import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import { createDevAuth, createMemoryStore, type ChatServerOptions, type ChatStore } from '@parley/server-sdk';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { sdkClient } from '../../helpers/sdk.js';
import { launchChromium, startPageServer, type PageServer } from './browser.js';
import type { PageMessage } from '../page/app.js';

const DEV_SECRET = 'browser-tests-dev-secret-long-enough-for-hs256';

/**
 * What every browser test file needs: one Chromium and one page origin for the file, chat servers,
 * browser contexts (an origin's tabs share IndexedDB, locks and channels) and Node clients, each
 * cleaned up after its test.
 */
export function browserHarness() {
  const dev = createDevAuth({ secret: DEV_SECRET });
  const cleanups: (() => Promise<unknown>)[] = [];
  let browser: Browser | undefined;
  let pages: PageServer | undefined;
  const started = () => {
    if (!browser || !pages) throw new Error('browserHarness: start() first');
    return { browser, pages };
  };

  return {
    async start() {
      browser = await launchChromium();
      pages = await startPageServer((userId) => dev.issueToken(userId));
    },
    async stop() {
      await browser?.close();
      await pages?.close();
    },
    async cleanup() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
    /** A chat server that can stop and come back on the same port with the same data. */
    async chatServer(store: ChatStore = createMemoryStore(), port = 0, options: Partial<ChatServerOptions> = {}): Promise<TestServer> {
      const allowedOrigins = [started().pages.origin];
      const server = await startTestServer({ store, port, keepStoreOpen: true, devSecret: DEV_SECRET, allowedOrigins, ...options });
      cleanups.push(() => server.close().catch(() => undefined));
      return server;
    },
    async newContext(): Promise<BrowserContext> {
      const context = await started().browser.newContext();
      cleanups.push(() => context.close());
      return context;
    },
    nodeClient(server: TestServer, userId: string, storage = createMemoryStorage()): ChatClient {
      const chat = sdkClient(server, userId, { storage });
      cleanups.push(async () => chat.close());
      return chat;
    },
    /** A tab of the test page, signed in as `userId`. */
    async openPage(context: BrowserContext, server: TestServer, userId = 'alice'): Promise<Page> {
      const page = await context.newPage();
      await page.goto(started().pages.pageUrl(server.url, userId));
      await page.waitForFunction(() => window.parley !== undefined);
      return page;
    },
  };
}

export const status = (page: Page) => page.evaluate(() => window.parley.status());
export const messages = (page: Page, id: string): Promise<PageMessage[]> => page.evaluate((c) => window.parley.messages(c), id);
export const send = (page: Page, id: string, text: string) =>
  page.evaluate(([c, t]) => window.parley.chat.send(c, t).then(() => undefined), [id, text] as const);

export function waitStatus(page: Page, wanted: string[]): Promise<unknown> {
  return page.waitForFunction((s) => s.includes(window.parley.status()), wanted, { timeout: 15_000 });
}

/** Waits until the page shows exactly these texts, each with the given status. */
export function waitMessages(page: Page, id: string, expected: { text: string; status: string }[]): Promise<unknown> {
  return page.waitForFunction(
    ([c, want]) => JSON.stringify(window.parley.messages(c).map(({ text, status }) => ({ text, status }))) === JSON.stringify(want),
    [id, expected] as const,
    { timeout: 15_000 },
  );
}

export const sent = (...list: string[]) => list.map((text) => ({ text, status: 'sent' }));
