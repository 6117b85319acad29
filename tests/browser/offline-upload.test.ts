import { describe, expect, it } from 'vitest';
import type { CDPSession, Locator } from 'playwright-core';
import { browserAvailable } from './helpers/browser.js';
import { bubbleOf, composerOf, startChat, timelineOf, type Person } from '../web-chat/helpers/chat-page.js';
import { webChatSuite } from '../web-chat/helpers/suite.js';
import type { WebChatServer } from '../web-chat/helpers/web-chat-server.js';
import { makePng, sha256, type TestFile } from '../web-chat/helpers/test-files.js';
import { attach, loadedImage, sha256InPage } from '../web-chat/helpers/files-page.js';

/**
 * Issue 16's "done means", in the example web chat on a real parley-server (files on its disk,
 * served at /blobs): an image whose upload is cut (offline, a reload) arrives once, with its bytes.
 */
const suite = browserAvailable() ? describe : describe.skip;
const eventually = { timeout: 60_000 };
const LONG = 240_000;

/** About 1.5 MB of grain (it does not compress): at 96 KB/s its upload takes some 16 s. */
const panorama: TestFile = { name: 'panorama.png', mimeType: 'image/png', buffer: makePng(900, 640, { noise: 255, seed: 7 }) };
const UPLOAD_BYTES_PER_SECOND = 96 * 1024;

/** Slows this page's uploads down (Chromium's network emulation), so one can be caught halfway. */
async function throttleUploads(person: Person, bytesPerSecond: number): Promise<CDPSession> {
  const cdp = await person.context.newCDPSession(person.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  return cdp;
}

/** What the pending message's progress bar says: bytes sent, of the file's size. */
const progressOf = (bubble: Locator) =>
  bubble.getByTestId('upload-progress').evaluate((el: HTMLProgressElement) => ({ loaded: el.value, total: el.max }));

/** Waits until the upload is partway: some bytes sent, not all. */
async function partway(bubble: Locator): Promise<{ loaded: number; total: number }> {
  await bubble.getByTestId('upload-progress').waitFor(eventually);
  await expect.poll(async () => {
    const { loaded, total } = await progressOf(bubble);
    return loaded > 0 && loaded < total;
  }, eventually).toBe(true);
  return progressOf(bubble);
}

interface StoredMessage {
  kind: string;
  clientMsgId: string;
  data: { text?: string; attachments?: { id: string; name: string; size: number; mimeType: string; width?: number; height?: number }[] };
}

/** The messages the server's log holds in a conversation, read over its REST history API as `userId`. */
async function storedMessages(server: WebChatServer, userId: string, conversationId: string): Promise<StoredMessage[]> {
  const res = await fetch(`${server.url}/api/conversations/${encodeURIComponent(conversationId)}/messages?after=0&limit=100`, {
    headers: { authorization: `Bearer ${await server.token(userId)}` },
  });
  expect(res.status).toBe(200);
  const { events } = (await res.json()) as { events: StoredMessage[] };
  return events.filter((e) => e.kind === 'message');
}

const conversationIdOf = (person: Person) => person.page.evaluate(() => /^#\/c\/(.+)$/.exec(location.hash)?.[1] ?? '');

suite('an image upload cut halfway, in Chromium', () => {
  const { env, named, person } = webChatSuite();

  /** Alice and Bob in a direct chat, both looking at it; Alice's uploads are slow. */
  async function chatting(): Promise<{ alice: Person; bob: Person; conversationId: string }> {
    const alice = await person('alice');
    const bob = await person('bob');
    await startChat(alice, [named('bob')]);
    await alice.send('a big one is coming');
    await bob.open(named('alice'));
    await expect.poll(() => timelineOf(bob).count(), eventually).toBe(1);
    return { alice, bob, conversationId: await conversationIdOf(alice) };
  }

  /** Alice attaches the panorama and sends it with `text`; the pending message shows at once. */
  async function sendPanorama(alice: Person, text: string): Promise<Locator> {
    await throttleUploads(alice, UPLOAD_BYTES_PER_SECOND);
    await attach(alice, [panorama]);
    await composerOf(alice.page).fill(text);
    await composerOf(alice.page).press('Enter');
    const bubble = bubbleOf(alice, text);
    await bubble.waitFor(eventually);
    expect(await bubble.getAttribute('data-status')).toBe('pending');
    return bubble;
  }

  /** The message reached everyone once, with the image: bob's page, alice's page, the server's log. */
  async function arrivedOnce(alice: Person, bob: Person, conversationId: string, text: string): Promise<void> {
    await expect.poll(() => bubbleOf(alice, text).getAttribute('data-status'), eventually).toMatch(/^(sent|delivered|read)$/);
    const onBob = bubbleOf(bob, text);
    await onBob.waitFor(eventually);
    const image = await loadedImage(onBob.getByTestId('attachment-image').locator('img.image-full'), 60_000);
    expect(image.src.startsWith(`${env.server.url}/blobs/`)).toBe(true);
    expect([image.naturalWidth, image.naturalHeight]).toEqual([900, 640]);
    expect(await sha256InPage(bob.page, image.src)).toBe(sha256(panorama.buffer));

    const stored = (await storedMessages(env.server, bob.name, conversationId)).filter((m) => m.data.text === text);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.data.attachments?.map(({ name, size, mimeType, width, height }) => ({ name, size, mimeType, width, height }))).toEqual([
      { name: 'panorama.png', size: panorama.buffer.length, mimeType: 'image/png', width: 900, height: 640 },
    ]);
    // Once on each page too, and nothing else came along.
    expect(await timelineOf(bob).locator('.text').allTextContents()).toEqual(['a big one is coming', text]);
    expect(await timelineOf(alice).locator('.text').allTextContents()).toEqual(['a big one is coming', text]);
  }

  it('offline halfway, then back online with a reload at once: the image arrives once, and bob sees it', async () => {
    expect(panorama.buffer.length).toBeGreaterThan(1_000_000);
    const { alice, bob, conversationId } = await chatting();
    const text = 'the view from the top';
    const bubble = await sendPanorama(alice, text);
    // The picture shows at once from the bytes on alice's device.
    expect((await loadedImage(bubble.getByTestId('attachment-image').locator('img.image-full'))).src).toMatch(/^blob:/);
    await partway(bubble);

    await alice.context.setOffline(true);
    await expect.poll(() => alice.page.getByTestId('banner').textContent(), eventually).toContain("You're offline");
    // The client knows it is offline: the message is still pending, its picture still shown, and
    // the server holds no copy of it.
    expect(await bubble.getAttribute('data-status')).toBe('pending');
    expect((await loadedImage(bubble.getByTestId('attachment-image').locator('img.image-full'))).src).toMatch(/^blob:/);
    expect((await storedMessages(env.server, bob.name, conversationId)).map((m) => m.data.text)).toEqual(['a big one is coming']);
    expect(await bubbleOf(bob, text).count()).toBe(0);

    // Back online and reloaded straight away: the outbox in IndexedDB has the message and its file.
    await alice.context.setOffline(false);
    await alice.page.reload();
    await composerOf(alice.page).waitFor(eventually);
    await arrivedOnce(alice, bob, conversationId, text);
  }, LONG);

  it('a reload while the upload runs: it starts again by itself and the image arrives once', async () => {
    const { alice, bob, conversationId } = await chatting();
    const text = 'the view from the valley';
    const bubble = await sendPanorama(alice, text);
    await partway(bubble);

    await alice.page.reload();
    await composerOf(alice.page).waitFor(eventually);
    // After the reload the message is still there, pending, its upload going again.
    const again = bubbleOf(alice, text);
    await again.waitFor(eventually);
    await arrivedOnce(alice, bob, conversationId, text);
  }, LONG);

  it('Cancel sending while the upload runs: the message goes, and nothing of it reaches bob or the server', async () => {
    const { alice, bob, conversationId } = await chatting();
    const bubble = await sendPanorama(alice, 'not this one');
    await partway(bubble);
    await bubble.getByRole('button', { name: 'Cancel sending' }).click();
    await expect.poll(() => bubble.count(), eventually).toBe(0);
    // The next message goes; the cancelled one was never stored.
    await alice.send('sorry, wrong picture');
    await expect.poll(() => timelineOf(bob).locator('.text').allTextContents(), eventually).toEqual(['a big one is coming', 'sorry, wrong picture']);
    expect((await storedMessages(env.server, bob.name, conversationId)).map((m) => m.data.text)).toEqual(['a big one is coming', 'sorry, wrong picture']);
    expect(await timelineOf(alice).locator('.text').allTextContents()).toEqual(['a big one is coming', 'sorry, wrong picture']);
  }, LONG);
});
