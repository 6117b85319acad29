import type { Locator } from 'playwright-core';
import type { Person } from './chat-page.js';

/** The message search field of the sidebar. */
export const searchField = (p: Person): Locator => p.page.getByRole('combobox', { name: 'Search messages' });
/** The results shown. */
export const searchHits = (p: Person): Locator => p.page.getByTestId('search-hit');

/** Types a query into the search field (replacing what it held). */
export async function searchFor(p: Person, query: string): Promise<void> {
  await searchField(p).fill(query);
}

/**
 * Starts recording the messages that flash (the brief highlight of a jump) from now on, and
 * returns a reader of their texts. The flash lasts about a second: a recorder never misses it,
 * a poll might.
 */
export async function trackFlashes(p: Person): Promise<() => Promise<string[]>> {
  await p.page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { flashed: string[] }).flashed = seen;
    new MutationObserver((records) => {
      for (const record of records) {
        const el = record.target as HTMLElement;
        if (el.classList.contains('flash')) seen.push(el.querySelector('.text')?.textContent ?? '');
      }
    }).observe(document.body, { attributes: true, attributeFilter: ['class'], subtree: true });
  });
  return () => p.page.evaluate(() => [...(window as unknown as { flashed: string[] }).flashed]);
}

/** Whether the timeline bubble showing `text` is wholly inside the visible part of the timeline. */
export function inView(p: Person, text: string): Promise<boolean> {
  return p.page.evaluate((wanted) => {
    const list = document.querySelector('[data-testid="messages"]');
    const bubble = [...(list?.querySelectorAll<HTMLElement>('[data-testid="message"]') ?? [])].find((b) => b.querySelector('.text')?.textContent === wanted);
    if (!list || !bubble) return false;
    const box = list.getBoundingClientRect();
    const at = bubble.getBoundingClientRect();
    return at.top >= box.top && at.bottom <= box.bottom;
  }, text);
}

/** The text of the message that has the keyboard focus (a jump puts it there), or null. */
export function focusedText(p: Person): Promise<string | null> {
  return p.page.evaluate(() => document.activeElement?.closest('[data-testid="message"]')?.querySelector('.text')?.textContent ?? null);
}
