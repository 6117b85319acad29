import { ErrorCode, ParleyError, type SearchTerm } from '@parley/protocol';
import type { SearchDocument, SearchIndexHit } from './types.js';

/** Where a `newest` page ended: the last hit's place in the order (ts, conversation id, seq; all descending). */
export interface NewestMark {
  ts: number;
  conversationId: string;
  seq: number;
}

/** Negative when `a` comes first in the `newest` order. */
export function compareNewest(a: NewestMark, b: NewestMark): number {
  return b.ts - a.ts || (a.conversationId < b.conversationId ? 1 : a.conversationId > b.conversationId ? -1 : 0) || b.seq - a.seq;
}

/** Whether `doc` comes after `mark` in the `newest` order (is on a later page). */
export function isAfterMark(doc: NewestMark, mark: NewestMark): boolean {
  return compareNewest(doc, mark) > 0;
}

/** A cursor for the page after `mark` (`n`: hits already given, for orders that count them). */
export function encodeCursor(mark: NewestMark & { n?: number; score?: number }): string {
  return Buffer.from(JSON.stringify([mark.ts, mark.conversationId, mark.seq, mark.n ?? 0, mark.score ?? 0])).toString('base64url');
}

/** Reads a cursor this module made; anything else (edited, from another index) is a BAD_FRAME. */
export function decodeCursor(cursor: string): NewestMark & { n: number; score: number } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 5) {
      const [ts, conversationId, seq, n, score] = value as unknown[];
      if (
        Number.isSafeInteger(ts) && typeof conversationId === 'string' && Number.isSafeInteger(seq) &&
        Number.isSafeInteger(n) && (n as number) >= 0 && typeof score === 'number' && Number.isFinite(score)
      ) {
        return { ts: ts as number, conversationId, seq: seq as number, n: n as number, score };
      }
    }
  } catch {
    // Falls through to the refusal.
  }
  throw new ParleyError(ErrorCode.BAD_FRAME, 'not a search cursor');
}

/** Whether a document's tokens hold every term (`matchSearch`'s rule, on folded tokens). */
export function tokensMatch(tokens: readonly string[], terms: readonly SearchTerm[]): boolean {
  return terms.every((term) => {
    for (let at = 0; at + term.tokens.length <= tokens.length; at++) {
      if (term.prefix ? tokens[at]!.startsWith(term.tokens[0]!) : term.tokens.every((t, k) => tokens[at + k] === t)) return true;
    }
    return false;
  });
}

/** A document's relevance for `relevance` order (same weights as `searchScore`). */
export function tokensScore(tokens: readonly string[], terms: readonly SearchTerm[]): number {
  if (tokens.length === 0) return 0;
  let score = 0;
  for (const term of terms) {
    for (let at = 0; at + term.tokens.length <= tokens.length; at++) {
      const hit = term.prefix ? tokens[at]!.startsWith(term.tokens[0]!) : term.tokens.every((t, k) => tokens[at + k] === t);
      if (hit) score += (!term.prefix || tokens[at] === term.tokens[0] ? 2 : 1) * term.tokens.length;
    }
  }
  return score / Math.sqrt(tokens.length);
}

export const hitOf = (doc: SearchDocument): SearchIndexHit => ({ conversationId: doc.conversationId, seq: doc.seq });

/** A `newest` page from up to `limit + 1` hits in order: the first `limit`, and a cursor when one more was found. */
export function newestPage(hits: ReadonlyArray<NewestMark>, limit: number): { hits: SearchIndexHit[]; cursor?: string } {
  const page = hits.slice(0, limit);
  const last = page[page.length - 1];
  return {
    hits: page.map(({ conversationId, seq }) => ({ conversationId, seq })),
    ...(hits.length > page.length && last ? { cursor: encodeCursor(last) } : {}),
  };
}
