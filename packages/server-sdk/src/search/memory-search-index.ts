import type { SearchDocument, SearchIndex, SearchIndexQuery, SearchIndexPage } from './types.js';
import { compareNewest, decodeCursor, encodeCursor, hitOf, isAfterMark, tokensMatch, tokensScore } from './search-order.js';

interface Held {
  doc: SearchDocument | null;
  /** The highest version applied (a removal's too). */
  version: number;
  tokens: string[];
}

/**
 * A search index in this process's memory: what the memory store uses, and the fallback for a
 * store that brings none (it is rebuilt from the log after a restart, as the server catches up
 * each conversation it searches). A query scans the documents of the conversations it names, so
 * it suits tests, development and small deployments.
 */
export function createMemorySearchIndex(): SearchIndex {
  const conversations = new Map<string, { indexedSeq: number; messages: Map<number, Held> }>();
  const conversation = (id: string) => {
    let held = conversations.get(id);
    if (!held) conversations.set(id, (held = { indexedSeq: 0, messages: new Map() }));
    return held;
  };

  return {
    async indexedSeqs(conversationIds) {
      const out = new Map<string, number>();
      for (const id of conversationIds) out.set(id, conversations.get(id)?.indexedSeq ?? 0);
      return out;
    },

    async apply(update) {
      const held = conversation(update.conversationId);
      for (const doc of update.upserts) {
        const current = held.messages.get(doc.seq);
        if (current && current.version >= doc.version) continue;
        held.messages.set(doc.seq, { doc: { ...doc }, version: doc.version, tokens: doc.tokens.split(' ').filter(Boolean) });
      }
      for (const { seq, version } of update.removals) {
        const current = held.messages.get(seq);
        if (current && current.version >= version) continue;
        held.messages.set(seq, { doc: null, version, tokens: [] });
      }
      held.indexedSeq = Math.max(held.indexedSeq, update.throughSeq);
    },

    async query(query: SearchIndexQuery): Promise<SearchIndexPage> {
      const found: Array<{ doc: SearchDocument; score: number }> = [];
      for (const id of new Set(query.conversationIds)) {
        for (const { doc, tokens } of conversations.get(id)?.messages.values() ?? []) {
          if (!doc || !admits(doc, query) || !tokensMatch(tokens, query.terms)) continue;
          found.push({ doc, score: query.order === 'relevance' ? tokensScore(tokens, query.terms) : 0 });
        }
      }
      found.sort((a, b) => b.score - a.score || compareNewest(a.doc, b.doc));
      const mark = query.cursor === undefined ? null : decodeCursor(query.cursor);
      const after = mark ? found.filter(({ doc, score }) => score < mark.score || (score === mark.score && isAfterMark(doc, mark))) : found;
      const page = after.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        hits: page.map(({ doc }) => hitOf(doc)),
        ...(after.length > page.length && last ? { cursor: encodeCursor({ ...last.doc, score: last.score }) } : {}),
      };
    },

    async stats() {
      let documents = 0;
      let bytes = 0;
      for (const { messages } of conversations.values()) {
        for (const { doc } of messages.values()) {
          if (!doc) continue;
          documents++;
          bytes += doc.tokens.length * 2 + doc.conversationId.length * 2 + doc.senderId.length * 2 + 64;
        }
      }
      return { documents, bytes };
    },
  };
}

/** The query's filters other than the terms. */
export function admits(doc: SearchDocument, query: SearchIndexQuery): boolean {
  if (query.senderId !== undefined && doc.senderId !== query.senderId) return false;
  if (query.before !== undefined && doc.ts >= query.before) return false;
  if (query.after !== undefined && doc.ts <= query.after) return false;
  return true;
}
