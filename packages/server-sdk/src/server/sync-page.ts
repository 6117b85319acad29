import type { ConversationCursor, ConversationSummary, LogEvent } from '@parley/protocol';
import type { StoredMembership } from '../store/types.js';

/** One conversation a sync page may carry: its summary, and the events that go with it. */
export interface PageItem {
  membership: StoredMembership;
  events: LogEvent[];
  /** `named`: the client sent a cursor for it; `listed`: met on the walk over the user's list. */
  source: 'named' | 'listed';
}

/** A step of the walk: a listed item, or a row the walk passed because the client named it. */
export type WalkStep = { item: PageItem } | { passed: StoredMembership };

export const positionOf = (m: StoredMembership): ConversationCursor => ({
  lastActivityAt: m.conversation.lastActivityAt,
  conversationId: m.conversation.id,
});

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export interface AssembledPage {
  conversations: ConversationSummary[];
  events: LogEvent[];
  /** Some named item did not fit: the client must ask again. */
  namedCut: boolean;
  /** Where the walk stands after the steps that fit. */
  next: ConversationCursor | undefined;
  /** Some walk step did not fit. */
  walkCut: boolean;
}

/**
 * Puts planned items into one frame under a byte budget, in order: named items first, then the
 * walk. An item goes in whole (summary with its events) or not at all, so a listed conversation's
 * tail always arrives with its summary; the first item always goes in, so every page progresses.
 * Once a named item does not fit, the walk adds nothing (the client repeats the page).
 */
export function assemblePage(
  named: ReadonlyArray<{ item: PageItem; summary: ConversationSummary }>,
  walk: ReadonlyArray<{ step: WalkStep; summary: ConversationSummary | null }>,
  start: ConversationCursor | undefined,
  budgetBytes: number,
): AssembledPage {
  const page: AssembledPage = { conversations: [], events: [], namedCut: false, next: start, walkCut: false };
  let used = 0;
  const fits = (summary: ConversationSummary, events: LogEvent[]): boolean => {
    const size = bytes(summary) + events.reduce((sum, e) => sum + bytes(e), 0);
    if (page.conversations.length > 0 && used + size > budgetBytes) return false;
    used += size;
    page.conversations.push(summary);
    page.events.push(...events);
    return true;
  };
  for (const { item, summary } of named) {
    if (!fits(summary, item.events)) {
      page.namedCut = true;
      return page;
    }
  }
  for (const { step, summary } of walk) {
    if ('passed' in step) {
      page.next = positionOf(step.passed);
      continue;
    }
    if (!summary || !fits(summary, step.item.events)) {
      page.walkCut = true;
      return page;
    }
    page.next = positionOf(step.item.membership);
  }
  return page;
}
