import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../../browser/helpers/browser.js';
import { signIn, type Person } from './chat-page.js';
import { startWebChatServer, type WebChatServer, type WebChatServerOptions } from './web-chat-server.js';

/**
 * What a web chat test file shares: one server and one Chromium for the file, a fresh browser
 * context per person, closed after each test, and fresh user names per test (every test shares
 * the server). Call inside the file's `describe`; `options` set up its server (e.g. an edit window).
 */
export function webChatSuite(options?: WebChatServerOptions) {
  const env = {} as { server: WebChatServer; browser: Browser };
  const contexts: BrowserContext[] = [];
  let run = 0;
  beforeAll(async () => {
    env.server = await startWebChatServer(options);
    env.browser = await launchChromium();
  }, 120_000);
  afterEach(async () => {
    run += 1;
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  /** A user name unique to this test. */
  const named = (name: string) => `${name}-${run}`;
  /** A person signed in to the web chat in a browser context of their own. */
  const person = async (name: string, prepare?: (context: BrowserContext) => Promise<void>): Promise<Person> => {
    const p = await signIn(env.browser, env.server.url, named(name), prepare);
    contexts.push(p.context);
    return p;
  };
  /** A bare browser context (no one signed in), closed after the test. */
  const context = async (options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> => {
    const c = await env.browser.newContext(options);
    contexts.push(c);
    return c;
  };
  /** Console errors and uncaught exceptions of the `watched` people's pages, for the test to assert empty. */
  const errors: string[] = [];
  /** A person whose page must log no console error (and throw nothing) for the whole test. */
  const watched = (name: string) =>
    person(name, async (c) => {
      c.on('console', (m) => void (m.type() === 'error' && errors.push(`${name}: ${m.text()}`)));
      c.on('weberror', (e) => void errors.push(`${name}: ${e.error().message}`));
    });
  return { env, named, person, context, errors, watched };
}
