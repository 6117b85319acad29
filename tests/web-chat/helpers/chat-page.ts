import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

const SCREENSHOTS = resolve(fileURLToPath(new URL('../../../docs/screenshots', import.meta.url)));

/** One person in their own browser profile (cookies, IndexedDB and network state of their own). */
export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Open the conversation whose row shows this title. */
  open(title: string): Promise<void>;
  /** Type into the composer and press Enter. */
  send(text: string): Promise<void>;
  /** Texts of the messages in the open conversation, oldest first. */
  texts(): Promise<string[]>;
  /** The tick of the user's own message with this text (`pending`, `sent`, `delivered`, `read`). */
  tick(text: string): Promise<string | null>;
}

export async function signIn(browser: Browser, url: string, name: string, prepare?: (context: BrowserContext) => Promise<void>): Promise<Person> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
  await prepare?.(context);
  const page = await context.newPage();
  await page.goto(url);
  await signInOnPage(page, name);
  const messages = page.getByTestId('message');
  return {
    name,
    context,
    page,
    async open(title) {
      await page.getByTestId('conversation').filter({ hasText: title }).click();
      await page.getByTestId('title').filter({ hasText: title }).waitFor();
    },
    async send(text) {
      await composerOf(page).fill(text);
      await composerOf(page).press('Enter');
    },
    texts: () => messages.locator('.text').allTextContents(),
    tick: async (text) => {
      const bubble = messages.filter({ has: page.locator('.text', { hasText: text }) });
      return (await bubble.count()) === 1 ? bubble.getAttribute('data-status') : null;
    },
  };
}

/**
 * The composer's textarea. Exact: other labels on the page hold what people wrote (a quote, a
 * Reply button), and a word like "message" in them must not make the composer ambiguous.
 */
export function composerOf(page: Page) {
  return page.getByLabel('Message', { exact: true });
}

/** Fills the sign-in screen already showing on this page and waits for the chat. */
export async function signInOnPage(page: Page, name: string): Promise<void> {
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start chatting' }).click();
  await page.getByTestId('me').waitFor();
}

/**
 * Picks people in a people picker (the field labelled `label`): types each id and picks the
 * suggestion for it (the directory's entry, or "Use id …" for an id it does not list).
 */
export async function pickPeople(page: Page, label: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await page.getByLabel(label, { exact: true }).fill(id);
    await page.locator(`[data-testid="person-option"][data-user-id="${id}"]`).click();
    await page.locator(`[data-testid="picked"][data-user-id="${id}"]`).waitFor();
  }
}

/** Starts a direct chat (one name) or a group (several names, or a title), picking the people. */
export async function startChat(person: Person, names: string[], title?: string): Promise<void> {
  const { page } = person;
  await page.getByRole('button', { name: '+ New chat' }).click();
  await pickPeople(page, 'Chat with', names);
  if (title) await page.getByLabel('Group name').fill(title);
  await page.getByRole('button', { name: names.length > 1 || title ? 'Create group' : 'Start chat' }).click();
  await composerOf(page).waitFor();
}

/** Screenshots for docs/screenshots, only when asked (`PARLEY_SCREENSHOTS=1`): they are committed. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PARLEY_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The messages of a person's main timeline (not a thread's). */
export const timelineOf = (p: Person) => p.page.getByTestId('messages').getByTestId('message');
/** The texts shown in a person's main timeline, in order. */
export const timelineTexts = (p: Person) => timelineOf(p).locator('.text').allTextContents();
/** The timeline bubble showing `text`. */
export const bubbleOf = (p: Person, text: string) => timelineOf(p).filter({ has: p.page.locator('.text', { hasText: text }) });
