import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import type { AttachmentView, ChatClient } from '@parley/client-sdk';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { sdkClient, waitFor } from '../helpers/sdk.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';

// The client SDK's browser half with files, in Chromium, against a chat server that serves the
// page itself (uploads go to its own origin, as in the example web chat): images get their size
// and a tiny preview, the bytes wait in IndexedDB, XMLHttpRequest reports progress, and a reload
// in the middle of an upload resumes it: the message arrives once, with the same bytes.

let browser: Browser | undefined;
let script = '';
const cleanups: (() => Promise<unknown>)[] = [];

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page/app.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', conditions: ['@parley/source'], write: false, logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** A chat server with files on, serving the test page and tokens on its own origin. */
async function chatServerWithPage(): Promise<TestServer> {
  const server = await startTestServer({ files: true });
  server.http.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', server.url);
    if (url.pathname === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (url.pathname === '/token') {
      void server.token(url.searchParams.get('user') ?? 'alice').then((token) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token })));
    } else if (url.pathname === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/app.js"></script>');
  });
  cleanups.push(() => server.close());
  return server;
}

function nodeClient(server: TestServer, userId: string): ChatClient {
  const chat = sdkClient(server, userId);
  cleanups.push(async () => chat.close());
  return chat;
}

describe.runIf(browserAvailable())('files from the client SDK in a real browser (Chromium)', () => {
  beforeAll(async () => {
    [browser, script] = await Promise.all([launchChromium(), bundlePage()]);
  });
  afterAll(() => browser?.close());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('sends an image with its size and preview; a reload halfway through the upload resumes it, and the message arrives once with the same bytes', async () => {
    const server = await chatServerWithPage();
    const bob = nodeClient(server, 'bob');
    const context = await browser!.newContext();
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`${server.url}/?user=alice`);
    await page.waitForFunction(() => window.parley?.status() === 'online');
    const id = await page.evaluate(async () => (await window.parley.chat.createGroup({ members: ['bob'] })).id);

    // Some 1.2 MB of noise (it does not compress), sent slowly enough to be caught halfway.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 128 * 1024 });
    const { file, digest } = await page.evaluate(async (conversationId) => {
      const canvas = new OffscreenCanvas(640, 480);
      const context2d = canvas.getContext('2d')!;
      const pixels = context2d.createImageData(640, 480);
      for (let i = 0; i < pixels.data.length; i++) pixels.data[i] = i % 4 === 3 ? 255 : Math.floor(Math.random() * 256);
      context2d.putImageData(pixels, 0, 0);
      const png = await canvas.convertToBlob({ type: 'image/png' });
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await png.arrayBuffer()));
      const message = await window.parley.chat.send(conversationId, { text: 'noise', attachments: [new File([png], 'noise.png', { type: 'image/png' })] });
      return { file: message.attachments![0]!, digest: [...hash].map((b) => b.toString(16).padStart(2, '0')).join('') };
    }, id);
    expect(file).toMatchObject({ name: 'noise.png', mimeType: 'image/png', width: 640, height: 480, localId: expect.any(String) });
    expect(file.preview).toMatch(/^data:image\/(webp|png|jpeg);base64,/);
    expect(file.preview!.length).toBeLessThanOrEqual(4096);

    const progress = () => page.evaluate((c) => window.parley.chat.getMessages(c).at(-1)?.attachments?.[0]?.progress, id);
    await page.waitForFunction((c) => {
      const p = window.parley.chat.getMessages(c).at(-1)?.attachments?.[0]?.progress;
      return p !== undefined && p.loaded > 0 && p.loaded < p.total;
    }, id, { timeout: 60_000 });
    const partway = await progress();
    expect(partway!.total).toBe(file.size);

    await page.reload();
    await page.waitForFunction(() => window.parley !== undefined);
    // Back from the reload: the message and its bytes came from IndexedDB (read as the client starts).
    await page.waitForFunction((c) => window.parley.chat.getMessages(c).some((m) => m.text === 'noise'), id, { timeout: 30_000 });
    const reloaded = await page.evaluate((c) => window.parley.chat.getMessages(c).at(-1), id);
    expect(reloaded).toMatchObject({ text: 'noise', status: 'pending', attachments: [{ localId: file.localId, name: 'noise.png', width: 640 }] });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.waitForFunction((c) => window.parley.chat.getMessages(c).at(-1)?.status === 'sent', id, { timeout: 60_000 });
    const stored = await page.evaluate((c) => window.parley.chat.getMessages(c).at(-1)?.attachments, id) as AttachmentView[];
    expect(stored).toEqual([{ id: expect.stringMatching(/^at_/), name: 'noise.png', size: file.size, mimeType: 'image/png', width: 640, height: 480, preview: file.preview }]);

    await waitFor(bob, (c) => c.getMessages(id).length === 1, 15_000, 'bob to get it');
    expect(bob.getMessages(id).map((m) => [m.text, m.attachments?.[0]?.id])).toEqual([['noise', stored[0]!.id]]);
    const res = await fetch(await bob.getAttachmentUrl(id, stored[0]!.id!));
    expect(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(digest);
  }, 180_000);
});
