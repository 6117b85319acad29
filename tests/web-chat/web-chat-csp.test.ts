import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserAvailable, launchChromium } from '../browser/helpers/browser.js';
import { signIn, startChat } from './helpers/chat-page.js';
import { startWebChatServer, type WebChatServer } from './helpers/web-chat-server.js';

const test = browserAvailable() ? it : it.skip;
let server: WebChatServer;
let browser: Browser;

beforeAll(async () => {
  if (!browserAvailable()) return;
  server = await startWebChatServer();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('the web chat runs under the strict CSP parley-server sends, without a single violation', async () => {
  const response = await fetch(server.url);
  expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  const alice = await signIn(browser, server.url, 'csp-alice', async (context) => {
    // Records every violation the page reports, whatever the console says.
    await context.addInitScript(() => {
      const seen: string[] = [];
      (globalThis as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  });
  await startChat(alice, ['csp-bob']);
  await alice.send('under a strict policy');
  await expect.poll(() => alice.texts(), { timeout: 20_000 }).toEqual(['under a strict policy']);
  await expect.poll(() => alice.tick('under a strict policy'), { timeout: 20_000 }).toBe('sent');
  expect(await alice.page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  await alice.context.close();
});
