import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { browserAvailable } from '../browser/helpers/browser.js';
import { bubbleOf, composerOf, screenshot, startChat, timelineOf, type Person } from './helpers/chat-page.js';
import { webChatSuite } from './helpers/suite.js';
import { makePdf, makePng, sha256, type TestFile } from './helpers/test-files.js';
import { attach, draftNames, dropFiles, loadedImage, pasteFiles, recordViolations, sha256InPage, violationsOf } from './helpers/files-page.js';

const suite = browserAvailable() ? describe : describe.skip;

/** Long enough for a busy machine; the assertions wait for what a person would see, not a time. */
const eventually = { timeout: 30_000 };
/** A test of several steps, each waiting up to `eventually`. */
const LONG = 120_000;
/** The ticks of a message the server stored (bob may have read it already). */
const STORED = /^(sent|delivered|read)$/;

/** A photo-like PNG of a few hundred KB (a gradient: it does not compress to nothing). */
const photo: TestFile = { name: 'harbour.png', mimeType: 'image/png', buffer: makePng(720, 480) };
const plan: TestFile = { name: 'plan.pdf', mimeType: 'application/pdf', buffer: makePdf('The plan for Saturday') };

suite('files in the example web chat', () => {
  const { env, named, person } = webChatSuite();
  const errors: string[] = [];
  /** A person whose page must log no error and no CSP violation for the whole test. */
  const strict = (name: string) => person(name, (context) => recordViolations(context, errors, name));

  /** Alice and Bob in a direct chat, both looking at it, after Alice said `first`. */
  async function chatting(first: string): Promise<{ alice: Person; bob: Person }> {
    errors.length = 0;
    const alice = await strict('alice');
    const bob = await strict('bob');
    await startChat(alice, [named('bob')]);
    await alice.send(first);
    await bob.open(named('alice'));
    await expect.poll(() => timelineOf(bob).count(), eventually).toBe(1);
    return { alice, bob };
  }

  it('alice sends a photo and a PDF with a line: bob sees the photo load and downloads the PDF, byte for byte', async () => {
    expect(photo.buffer.length).toBeGreaterThan(150_000);
    const { alice, bob } = await chatting('hi');

    await attach(alice, [photo, plan]);
    expect(await draftNames(alice.page)).toEqual(['harbour.png', 'plan.pdf']);
    // The chosen photo shows as a thumbnail of the bytes on the device, before anything is sent.
    const thumbnail = await loadedImage(alice.page.getByTestId('draft-file').first().locator('img'));
    expect(thumbnail.src).toMatch(/^blob:/);
    await composerOf(alice.page).fill('the harbour, and the plan');
    await composerOf(alice.page).press('Enter');
    await expect.poll(() => draftNames(alice.page), eventually).toEqual([]);
    await expect.poll(() => alice.tick('the harbour, and the plan'), eventually).toMatch(STORED);

    const message = bubbleOf(bob, 'the harbour, and the plan');
    await message.waitFor(eventually);
    const image = message.getByTestId('attachment-image');
    const shown = await loadedImage(image.locator('img.image-full'));
    // The real image, from a signed URL of the server's file store.
    expect(shown.src.startsWith(`${env.server.url}/blobs/`)).toBe(true);
    expect([shown.naturalWidth, shown.naturalHeight]).toEqual([720, 480]);
    expect(await sha256InPage(bob.page, shown.src)).toBe(sha256(photo.buffer));
    // Laid out at the photo's shape, at most 280 px wide.
    const box = (await image.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(281);
    expect(box.width / box.height).toBeCloseTo(720 / 480, 1);

    await screenshot(bob.page, 'conversation-files');
    const chip = message.getByTestId('file-chip');
    expect(await chip.locator('.file-name').textContent()).toBe('plan.pdf');
    expect(await chip.locator('.file-size').textContent()).toMatch(/^\d+ bytes$/);
    const [download] = await Promise.all([bob.page.waitForEvent('download'), chip.getByRole('link', { name: 'Download plan.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('plan.pdf');
    expect(sha256(await readFile((await download.path())!))).toBe(sha256(plan.buffer));

    // The viewer: the photo large, its name and a download link; Escape closes it, and the focus
    // is back on the photo; a click beside the photo closes it too.
    await image.click();
    const viewer = bob.page.getByRole('dialog', { name: 'harbour.png' });
    await viewer.waitFor(eventually);
    const large = await loadedImage(viewer.locator('img'));
    expect(large.naturalWidth).toBe(720);

    expect(await viewer.getByRole('link', { name: 'Download' }).getAttribute('download')).toBe('harbour.png');
    await bob.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', ...eventually });
    expect(await bob.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('attachment-image');
    await image.click();
    await viewer.waitFor(eventually);
    await bob.page.mouse.click(5, 5);
    await viewer.waitFor({ state: 'detached', ...eventually });

    expect(await violationsOf(alice.page)).toEqual([]);
    expect(await violationsOf(bob.page)).toEqual([]);
    expect(errors).toEqual([]);
  }, LONG);

  it('a pasted image and dropped files join the message; files alone make a message; a file too big is refused and nothing is sent', async () => {
    const { alice, bob } = await chatting('hi');
    const composer = composerOf(alice.page);

    // A screenshot pasted into the composer becomes a file of the message, not text.
    const small = makePng(64, 48).toString('base64');
    expect(await pasteFiles(composer, [{ name: 'screenshot.png', type: 'image/png', base64: small }])).toBe(true);
    await expect.poll(() => draftNames(alice.page), eventually).toEqual(['screenshot.png']);
    expect(await composer.inputValue()).toBe('');

    // Files dragged over the conversation: it says where they go; dropped, they join too.
    const notes = Buffer.from('milk\neggs\n').toString('base64');
    await dropFiles(alice.page.getByTestId('messages'), [{ name: 'list.txt', type: 'text/plain', base64: notes }], { release: false });
    await alice.page.getByTestId('drop-overlay').waitFor(eventually);
    await dropFiles(alice.page.getByTestId('messages'), [{ name: 'list.txt', type: 'text/plain', base64: notes }]);
    await expect.poll(() => draftNames(alice.page), eventually).toEqual(['screenshot.png', 'list.txt']);
    expect(await alice.page.getByTestId('drop-overlay').count()).toBe(0);

    // No words: the files alone make the message.
    await composer.press('Enter');
    await expect.poll(() => draftNames(alice.page), eventually).toEqual([]);
    await expect.poll(() => timelineOf(bob).count(), eventually).toBe(2);
    const filesOnly = timelineOf(bob).nth(1);
    await loadedImage(filesOnly.getByTestId('attachment-image').locator('img.image-full'));
    expect(await filesOnly.getByTestId('file-chip').locator('.file-name').allTextContents()).toEqual(['list.txt']);
    expect(await filesOnly.locator('.text').count()).toBe(0);
    await expect.poll(() => timelineOf(alice).nth(1).getAttribute('data-status'), eventually).toMatch(STORED);

    // Over the server's limit (25 MB): the client's words say so, nothing is queued, the file waits.
    await dropFiles(alice.page.getByTestId('messages'), [{ name: 'backup.zip', type: 'application/zip', size: 26 * 1024 * 1024 }]);
    await expect.poll(() => draftNames(alice.page), eventually).toEqual(['backup.zip']);
    await composer.fill('the backup');
    await composer.press('Enter');
    const refusal = alice.page.locator('.composer-error');
    await refusal.waitFor(eventually);
    expect(await refusal.textContent()).toMatch(/^.backup\.zip. is 26 MB: files can be at most 25 MB here$/);
    expect(await timelineOf(alice).count()).toBe(2);
    expect(await draftNames(alice.page)).toEqual(['backup.zip']);
    expect(await composer.inputValue()).toBe('the backup');
    // Taking the file out clears the refusal; the words go alone.
    await alice.page.getByRole('button', { name: 'Remove backup.zip' }).click();
    expect(await refusal.count()).toBe(0);
    await composer.press('Enter');
    await expect.poll(() => timelineOf(bob).locator('.text').allTextContents(), eventually).toEqual(['hi', 'the backup']);
    expect(await timelineOf(bob).getByTestId('attachments').count()).toBe(1);
    expect(await violationsOf(alice.page)).toEqual([]);
    expect(errors).toEqual([]);
  }, LONG);

  it('a file the server does not take fails its message, with Retry and Delete like any failed message', async () => {
    const { alice, bob } = await chatting('hi');
    // Programs are not among the server's types: the upload slot is refused.
    await dropFiles(alice.page.getByTestId('messages'), [{ name: 'setup.exe', type: 'application/x-msdownload', size: 2048 }]);
    await expect.poll(() => draftNames(alice.page), eventually).toEqual(['setup.exe']);
    await composerOf(alice.page).fill('install this');
    await composerOf(alice.page).press('Enter');
    const failed = bubbleOf(alice, 'install this');
    await expect.poll(() => failed.getAttribute('data-status'), eventually).toBe('failed');
    expect(await failed.locator('.failed-actions').textContent()).toMatch(/^Not sent: .+\.RetryDelete$/);
    expect(await failed.getByTestId('file-chip').locator('.file-name').textContent()).toBe('setup.exe');
    // Retry asks again and is refused again; Delete drops it, and its bytes with it.
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => failed.getAttribute('data-status'), eventually).toBe('failed');
    await failed.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => failed.count(), eventually).toBe(0);
    // Nothing of it reached bob: his timeline holds the first message and the next one only.
    await alice.send('never mind');
    await expect.poll(() => timelineOf(bob).locator('.text').allTextContents(), eventually).toEqual(['hi', 'never mind']);
    expect(errors).toEqual([]);
  }, LONG);

  it('deleting a message takes its photo away from bob, and its URL stops serving it', async () => {
    const { alice, bob } = await chatting('hi');
    await attach(alice, [photo]);
    await composerOf(alice.page).fill('wrong photo');
    await composerOf(alice.page).press('Enter');
    const onBob = bubbleOf(bob, 'wrong photo');
    await onBob.waitFor(eventually);
    const { src } = await loadedImage(onBob.getByTestId('attachment-image').locator('img.image-full'));
    expect((await fetch(src)).status).toBe(200);

    await bubbleOf(alice, 'wrong photo').hover();
    await bubbleOf(alice, 'wrong photo').getByRole('button', { name: 'Delete message', exact: true }).click();
    await alice.page.getByRole('alertdialog', { name: 'Delete your message?' }).getByRole('button', { name: 'Delete', exact: true }).click();

    await expect.poll(() => timelineOf(bob).getByTestId('tombstone').count(), eventually).toBe(1);
    expect(await timelineOf(bob).getByTestId('attachment-image').count()).toBe(0);
    expect(await timelineOf(alice).getByTestId('attachment-image').count()).toBe(0);
    // The file went with the message: the URL bob had no longer serves it.
    await expect.poll(async () => (await fetch(src)).status, eventually).toBe(404);
    expect(errors).toEqual([]);
  }, LONG);
});

suite('the example web chat on a server that takes no files', () => {
  const { named, person } = webChatSuite({ files: 'off' });

  it('offers no attach button, and files dropped or pasted are not taken', async () => {
    const alice = await person('alice');
    await startChat(alice, [named('bob')]);
    await alice.send('words only here');
    await expect.poll(() => alice.tick('words only here'), eventually).toMatch(STORED);
    // The welcome said maxAttachmentBytes: 0.
    expect(await alice.page.getByRole('button', { name: 'Attach files' }).count()).toBe(0);
    const small = makePng(16, 16).toString('base64');
    expect(await pasteFiles(composerOf(alice.page), [{ name: 'screenshot.png', type: 'image/png', base64: small }])).toBe(false);
    await dropFiles(alice.page.getByTestId('messages'), [{ name: 'list.txt', type: 'text/plain', base64: small }]);
    expect(await alice.page.getByTestId('drop-overlay').count()).toBe(0);
    expect(await draftNames(alice.page)).toEqual([]);
  }, LONG);
});
