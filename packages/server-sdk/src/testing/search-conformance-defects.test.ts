import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, type SearchTerm } from '@parley/protocol';
import type { SearchDocument, SearchIndex, SearchIndexQuery } from '../search/types.js';
import { compareNewest, decodeCursor, encodeCursor, tokensMatch, tokensScore, type NewestMark } from '../search/search-order.js';
import { createMemorySearchIndex } from '../search/memory-search-index.js';
import { searchIndexChecks } from './search-conformance.js';

// The kit's own test: a check that passes on a broken index proves nothing. Each flaw below is a
// plausible bug of a search index adapter; the named check must fail on an index that has it,
// and every check must pass on the unbroken indexes (the memory index, and the small one here).

interface Flaws {
  /** Replaces the rule (`tokensMatch`). */
  match?: (tokens: readonly string[], terms: readonly SearchTerm[]) => boolean;
  /** Whether a document of `conversationId` belongs to a search of `named`. */
  inScope?: (conversationId: string, named: readonly string[]) => boolean;
  versions?: 'last write wins' | 'removal forgets' | 'removal always wins';
  /** An edit adds its words to the old ones. */
  mergesEdits?: boolean;
  indexedSeq?: 'last write' | 'only with documents';
  /** Applying a document again adds it again. */
  duplicates?: boolean;
  /** Reads a message's version, yields, then writes (another apply may have written between). */
  racy?: boolean;
  ignoresSender?: boolean;
  inclusiveBounds?: boolean;
  /** Orders by seq instead of ts (as if a later message were never older). */
  ordersBySeq?: boolean;
  /** Resumes a page after the last hit's ts only (drops the rest of its tie). */
  cursorByTs?: boolean;
  relevance?: 'newest' | 'offset repeats';
  ignoresLimit?: boolean;
  /** Takes a cursor it cannot read as "from the start". */
  lenientCursor?: boolean;
  /** Applies at most this many documents of an update. */
  batchCap?: number;
  countsRemoved?: boolean;
}

interface Held {
  doc: SearchDocument | null;
  version: number;
  tokens: string[];
}

/** A small scanning index, correct unless told a flaw. */
function smallIndex(flaws: Flaws = {}): SearchIndex {
  const conversations = new Map<string, { indexedSeq: number; messages: Map<number, Held[]> }>();
  const at = (id: string) => {
    let held = conversations.get(id);
    if (!held) conversations.set(id, (held = { indexedSeq: 0, messages: new Map() }));
    return held;
  };
  const match = flaws.match ?? tokensMatch;
  const inScope = flaws.inScope ?? ((id, named) => named.includes(id));
  const put = (messages: Map<number, Held[]>, seq: number, next: Held) => {
    const current = messages.get(seq)?.at(-1);
    if (flaws.duplicates && current?.doc && next.doc && current.version === next.version) messages.set(seq, [...messages.get(seq)!, next]);
    else messages.set(seq, [next]);
  };
  const newer = (current: Held | undefined, version: number, removal: boolean) => {
    if (!current) return true;
    if (flaws.versions === 'last write wins' || (removal && flaws.versions === 'removal always wins')) return true;
    if (flaws.duplicates && current.version === version) return true;
    return current.version < version;
  };

  return {
    async indexedSeqs(ids) {
      return new Map(ids.map((id) => [id, conversations.get(id)?.indexedSeq ?? 0]));
    },
    async apply(update) {
      const { messages } = at(update.conversationId);
      const upserts = update.upserts.slice(0, flaws.batchCap ?? Infinity);
      for (const doc of upserts) {
        const current = messages.get(doc.seq)?.at(-1);
        if (flaws.racy) await new Promise((resolve) => setImmediate(resolve));
        if (!newer(current, doc.version, false)) continue;
        const tokens = doc.tokens.split(' ');
        put(messages, doc.seq, { doc: { ...doc }, version: doc.version, tokens: flaws.mergesEdits && current ? [...current.tokens, ...tokens] : tokens });
      }
      for (const { seq, version } of update.removals) {
        const current = messages.get(seq)?.at(-1);
        if (!newer(current, version, true)) continue;
        if (flaws.versions === 'removal forgets') messages.delete(seq);
        else messages.set(seq, [{ doc: null, version, tokens: [] }]);
      }
      const held = at(update.conversationId);
      if (flaws.indexedSeq === 'only with documents' && upserts.length === 0) return;
      held.indexedSeq = flaws.indexedSeq === 'last write' ? update.throughSeq : Math.max(held.indexedSeq, update.throughSeq);
    },
    async query(query: SearchIndexQuery) {
      let mark: (NewestMark & { n: number; score: number }) | null = null;
      try {
        if (query.cursor !== undefined) mark = decodeCursor(query.cursor);
      } catch (error) {
        if (!flaws.lenientCursor) throw error;
      }
      const found: Array<{ doc: SearchDocument; score: number }> = [];
      for (const [id, { messages }] of conversations) {
        if (!inScope(id, query.conversationIds)) continue;
        for (const { doc, tokens } of [...messages.values()].flat()) {
          if (!doc || !match(tokens, query.terms)) continue;
          if (!flaws.ignoresSender && query.senderId !== undefined && doc.senderId !== query.senderId) continue;
          const inside = flaws.inclusiveBounds
            ? (query.before === undefined || doc.ts <= query.before) && (query.after === undefined || doc.ts >= query.after)
            : (query.before === undefined || doc.ts < query.before) && (query.after === undefined || doc.ts > query.after);
          if (!inside) continue;
          found.push({ doc, score: query.order === 'relevance' && flaws.relevance !== 'newest' ? tokensScore(tokens, query.terms) : 0 });
        }
      }
      const order: (a: NewestMark, b: NewestMark) => number = flaws.ordersBySeq ? (a, b) => compareNewest({ ...a, ts: 0 }, { ...b, ts: 0 }) : compareNewest;
      found.sort((a, b) => b.score - a.score || order(a.doc, b.doc));
      const limit = flaws.ignoresLimit ? Infinity : query.limit;
      // Relevance pages by offset, newest by the last hit's place.
      let rest = found;
      if (mark && query.order === 'relevance') rest = found.slice(flaws.relevance === 'offset repeats' ? Math.max(0, mark.n - 1) : mark.n);
      else if (mark) rest = found.filter(({ doc }) => (flaws.cursorByTs ? doc.ts < mark.ts : order(doc, mark) > 0));
      const page = rest.slice(0, limit);
      const last = page[page.length - 1];
      const given = (mark?.n ?? 0) + page.length;
      return {
        hits: page.map(({ doc }) => ({ conversationId: doc.conversationId, seq: doc.seq })),
        ...(rest.length > page.length && last ? { cursor: encodeCursor({ ...last.doc, n: given }) } : {}),
      };
    },
    async stats() {
      const all = [...conversations.values()].flatMap(({ messages }) => [...messages.values()].flat());
      const documents = all.filter(({ doc }) => doc !== null || flaws.countsRemoved).length;
      return { documents, bytes: documents * 100 };
    },
  };
}

/** Matches as `tokensMatch` does, but each term by `matches`. */
const matchingBy = (matches: (tokens: readonly string[], term: SearchTerm) => boolean) => (tokens: readonly string[], terms: readonly SearchTerm[]) =>
  terms.every((term) => matches(tokens, term));
const isUnigram = (token: string) => /^\p{Script=Han}$|^\p{Script=Hiragana}$|^\p{Script=Katakana}$/u.test(token);

const DEFECTS: Record<string, { flaws: Flaws; caughtBy: string }> = {
  'matches whole words only': {
    flaws: { match: matchingBy((tokens, term) => tokensMatch(tokens, [{ ...term, prefix: false }])) },
    caughtBy: 'a word finds the words it starts',
  },
  'matches a word inside a longer one': {
    flaws: { match: matchingBy((tokens, term) => (term.prefix ? tokens.some((t) => t.includes(term.tokens[0]!)) : tokensMatch(tokens, [term]))) },
    caughtBy: 'a word finds the words it starts',
  },
  'expands a word to at most 16 of the words it starts': {
    flaws: {
      match: (tokens, terms) => {
        // As an index that looks the words up in a vocabulary and keeps the first 16 (sorted).
        return terms.every((term) => {
          if (!term.prefix) return tokensMatch(tokens, [term]);
          return tokens.some((t) => vocabularyOf(term.tokens[0]!).has(t));
        });
      },
    },
    caughtBy: 'a word that starts many different words finds every one of them',
  },
  'matches a phrase as separate words': {
    flaws: { match: matchingBy((tokens, term) => term.tokens.every((token) => tokens.includes(token))) },
    caughtBy: 'a quoted phrase finds its words whole, adjacent and in order',
  },
  'matches a phrase\'s words as prefixes': {
    flaws: {
      match: matchingBy((tokens, term) => tokens.some((_, at) => term.tokens.every((token, k) => tokens[at + k]?.startsWith(token) === true))),
    },
    caughtBy: 'a quoted phrase finds its words whole, adjacent and in order',
  },
  'matches a run of characters in any order': {
    flaws: {
      match: matchingBy((tokens, term) => (term.tokens.every(isUnigram) ? term.tokens.every((token) => tokens.includes(token)) : tokensMatch(tokens, [term]))),
    },
    caughtBy: 'a run of characters of a script written without spaces',
  },
  'matches any term instead of every one': {
    flaws: { match: (tokens, terms) => terms.some((term) => tokensMatch(tokens, [term])) },
    caughtBy: 'every term of a query must match',
  },
  'ignores senderId': { flaws: { ignoresSender: true }, caughtBy: 'senderId keeps the messages of that sender only' },
  'keeps messages sent at before or after': { flaws: { inclusiveBounds: true }, caughtBy: 'before and after keep the messages sent strictly between them' },
  'searches every conversation': { flaws: { inScope: () => true }, caughtBy: 'a search finds messages of the conversations it names only' },
  'takes a conversation id as a prefix': {
    flaws: { inScope: (id, named) => named.some((name) => id.startsWith(name)) },
    caughtBy: 'a search finds messages of the conversations it names only',
  },
  'searches only the first 8 conversations named': {
    flaws: { inScope: (id, named) => named.slice(0, 8).includes(id) },
    caughtBy: 'a search of many conversations gives theirs only',
  },
  'lets the last write win, whatever its version': { flaws: { versions: 'last write wins' }, caughtBy: 'an older version applied after a newer one changes nothing' },
  'forgets a removal (no tombstone)': { flaws: { versions: 'removal forgets' }, caughtBy: 'a removal stays' },
  'removes whatever the removal\'s version': { flaws: { versions: 'removal always wins' }, caughtBy: 'a removal older than the text it would remove changes nothing' },
  'keeps an edited message\'s old words': { flaws: { mergesEdits: true }, caughtBy: 'an edit replaces the text' },
  'sets the indexed seq to the last update\'s': { flaws: { indexedSeq: 'last write' }, caughtBy: 'indexedSeqs gives each conversation the highest seq applied' },
  'advances the indexed seq only with documents': { flaws: { indexedSeq: 'only with documents' }, caughtBy: 'indexedSeqs gives each conversation the highest seq applied' },
  'adds a document applied again': { flaws: { duplicates: true }, caughtBy: 'applying the same updates again changes nothing' },
  'compares versions and writes in two steps': { flaws: { racy: true }, caughtBy: 'concurrent applies of overlapping batches' },
  'orders by seq instead of ts': { flaws: { ordersBySeq: true }, caughtBy: 'the newest order follows ts' },
  'resumes a page after the last hit\'s ts only': { flaws: { cursorByTs: true }, caughtBy: 'pages in newest order give every hit once' },
  'ranks by time only': { flaws: { relevance: 'newest' }, caughtBy: 'relevance puts the better match first' },
  'repeats a hit across relevance pages': { flaws: { relevance: 'offset repeats' }, caughtBy: 'pages in relevance order give every hit once' },
  'ignores limit': { flaws: { ignoresLimit: true }, caughtBy: 'a page holds at most limit hits' },
  'takes a cursor it cannot read as the start': { flaws: { lenientCursor: true }, caughtBy: 'a cursor the index did not make is refused with BAD_FRAME' },
  'applies the first 1000 documents of an update': { flaws: { batchCap: 1000 }, caughtBy: 'a large batch is applied whole' },
  'counts removed messages': { flaws: { countsRemoved: true }, caughtBy: 'stats count the documents held' },
};

/** Every token the checks index, for the vocabulary defect (filled as indexes apply). */
const allTokens: string[] = [];
const vocabularies = new Map<string, { size: number; words: Set<string> }>();
/** The first 16 indexed words (sorted) that `prefix` starts. */
function vocabularyOf(prefix: string): Set<string> {
  const cached = vocabularies.get(prefix);
  if (cached?.size === allTokens.length) return cached.words;
  const words = new Set([...new Set(allTokens)].filter((t) => t.startsWith(prefix)).sort().slice(0, 16));
  vocabularies.set(prefix, { size: allTokens.length, words });
  return words;
}
const recording = (inner: SearchIndex): SearchIndex => ({
  ...inner,
  apply: async (update) => {
    for (const doc of update.upserts) allTokens.push(...doc.tokens.split(' '));
    await inner.apply(update);
  },
});

const failing = async (open: () => SearchIndex): Promise<string[]> => {
  const failed: string[] = [];
  for (const check of searchIndexChecks) {
    allTokens.length = 0;
    await check.run({ index: recording(open()) }).catch(() => failed.push(check.name));
  }
  return failed;
};

describe('the search index conformance kit catches broken indexes', () => {
  it('passes every check on the memory index and on the small index of this test', async () => {
    expect(await failing(createMemorySearchIndex)).toEqual([]);
    expect(await failing(() => smallIndex())).toEqual([]);
  });

  it('refuses a cursor of another kind with BAD_FRAME (the small index does as the contract says)', async () => {
    await expect(smallIndex().query({ conversationIds: ['c'], terms: [{ tokens: ['x'], prefix: true }], order: 'newest', limit: 1, cursor: 'x' })).rejects.toEqual(
      new ParleyError(ErrorCode.BAD_FRAME, 'not a search cursor'),
    );
  });

  it.each(Object.entries(DEFECTS))('fails an index that %s', async (_name, { flaws, caughtBy }) => {
    const failed = await failing(() => smallIndex(flaws));
    expect(failed.filter((name) => name.startsWith(caughtBy))).toHaveLength(1);
  });
});
