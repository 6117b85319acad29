import type { BrowserContext, Locator, Page } from 'playwright-core';
import type { Person } from './chat-page.js';
import type { TestFile } from './test-files.js';

/** Attaches files the way a person does: the paperclip, then the system's file picker. */
export async function attach(person: Person, files: TestFile[]): Promise<void> {
  const [chooser] = await Promise.all([
    person.page.waitForEvent('filechooser'),
    person.page.getByRole('button', { name: 'Attach files', exact: true }).click(),
  ]);
  await chooser.setFiles(files);
}

/** The names of the files waiting in the composer, in order. */
export const draftNames = (page: Page) => page.getByTestId('draft-file').locator('.file-name').allTextContents();

/** How an `<img>` stands: its source, and its natural width (0 until it decoded). */
export const imageState = (img: Locator) =>
  img.evaluate((el: HTMLImageElement) => ({ src: el.currentSrc || el.src, naturalWidth: el.complete ? el.naturalWidth : 0, naturalHeight: el.complete ? el.naturalHeight : 0 }));

/** Waits until the image has loaded and says where from and how large it is. */
export async function loadedImage(img: Locator, timeout = 30_000): Promise<{ src: string; naturalWidth: number; naturalHeight: number }> {
  await img.evaluate(
    (el: HTMLImageElement, ms) =>
      new Promise<void>((resolve, reject) => {
        const until = Date.now() + ms;
        const check = () => (el.complete && el.naturalWidth > 0 ? resolve() : Date.now() > until ? reject(new Error(`image not loaded: ${el.src}`)) : setTimeout(check, 50));
        check();
      }),
    timeout,
  );
  return imageState(img);
}

/** The SHA-256 (hex) of what a URL serves, fetched by the page (its cookies, its origin). */
export const sha256InPage = (page: Page, url: string) =>
  page.evaluate(async (u) => {
    const bytes = await (await fetch(u)).arrayBuffer();
    return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, url);

/** Records the page's CSP violations and errors from its first script on (`cspViolations` in the page). */
export async function recordViolations(context: BrowserContext, errors: string[], name: string): Promise<void> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  context.on('console', (m) => void (m.type() === 'error' && errors.push(`${name}: ${m.text()}`)));
  context.on('weberror', (e) => void errors.push(`${name}: ${e.error().message}`));
}

export const violationsOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations);

/**
 * Drops files on an element with real DragEvents carrying a DataTransfer (dragenter, dragover,
 * drop), as the browser does when files are dragged in from the desktop. `files` are made in the
 * page: bytes (base64) or a size of zeros.
 */
export async function dropFiles(target: Locator, files: { name: string; type: string; base64?: string; size?: number }[], { release = true } = {}): Promise<void> {
  await target.evaluate(
    (el, [list, drop]) => {
      const transfer = new DataTransfer();
      for (const f of list) {
        const bytes = f.base64 !== undefined ? Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)) : new Uint8Array(f.size ?? 1);
        transfer.items.add(new File([bytes], f.name, { type: f.type }));
      }
      const fire = (type: string) => el.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      fire('dragenter');
      fire('dragover');
      if (drop) fire('drop');
    },
    [files, release] as const,
  );
}

/** Pastes files into an element (the composer) with a real ClipboardEvent carrying a DataTransfer. Whether the page took it (default prevented). */
export function pasteFiles(target: Locator, files: { name: string; type: string; base64: string }[]): Promise<boolean> {
  return target.evaluate((el, list) => {
    const transfer = new DataTransfer();
    for (const f of list) transfer.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
    el.dispatchEvent(event);
    return event.defaultPrevented;
  }, files);
}
