/**
 * What a message search matches, one rule for the server's indexes (SQLite FTS5, MongoDB, memory)
 * and the client's offline search, so a query finds the same messages online and offline.
 *
 * Text is cut into tokens: words (runs of letters and digits, in any case and with or without
 * accents: `Crème` is `creme`) and, for scripts written without spaces (Chinese, Japanese kana,
 * Thai, Lao, Khmer, Myanmar), each character on its own. A query matches a text when each of its
 * terms does:
 * - a word matches any word it starts (`mee` finds `meeting`);
 * - a "quoted phrase" matches its words in that order, adjacent and whole;
 * - a run of characters of a script without spaces matches those characters in that order
 *   (`東京` finds `東京都`, not `京東`).
 * Punctuation, symbols and emoji are not searchable.
 */

/** One query term: its tokens, and whether the one token may start a longer word. */
export interface SearchTerm {
  tokens: string[];
  /** A single word that matches every word it starts. Phrases match whole tokens. */
  prefix: boolean;
}

/** A token of a text: its folded form and where it stands in the text (UTF-16 offsets, end exclusive). */
export interface SearchToken {
  token: string;
  start: number;
  end: number;
}

const UNIGRAM = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORD = /[\p{L}\p{N}\p{M}]/u;
const KEEP = /[\p{L}\p{N}]/gu;
const MARKS = /\p{M}/gu;

/** A character as it is searched: decomposed, without accents, lower case, letters and digits only. */
function fold(char: string): string {
  if (char.charCodeAt(0) < 0x80) return /[A-Za-z0-9]/.test(char) ? char.toLowerCase() : '';
  return (char.normalize('NFKD').replace(MARKS, '').toLowerCase().match(KEEP) ?? []).join('');
}

/** The tokens of a text, in order, with where each stands. */
export function searchTokens(text: string): SearchToken[] {
  const tokens: SearchToken[] = [];
  let word = '';
  let start = 0;
  let offset = 0;
  const endWord = (end: number) => {
    if (word) tokens.push({ token: word, start, end });
    word = '';
  };
  for (const char of text) {
    const at = offset;
    offset += char.length;
    if (UNIGRAM.test(char)) {
      endWord(at);
      const folded = fold(char);
      if (folded) tokens.push({ token: folded, start: at, end: offset });
    } else if (WORD.test(char)) {
      if (!word) start = at;
      word += fold(char);
    } else {
      endWord(at);
    }
  }
  endWord(offset);
  return tokens;
}

/** A text as indexes store it: its folded tokens, separated by single spaces. */
export function searchTokenText(text: string): string {
  return searchTokens(text).map(({ token }) => token).join(' ');
}

/** Whether a folded token is a character of a script written without spaces. */
function isUnigram(token: string): boolean {
  return [...token].length === 1 && UNIGRAM.test(token);
}

/**
 * A query's terms (empty: nothing searchable in it, such as only punctuation). Quoted parts are
 * phrases; elsewhere each word is a term and each run of characters without spaces a phrase.
 * Repeated terms are kept once.
 */
export function parseSearchQuery(query: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  const seen = new Set<string>();
  const add = (term: SearchTerm) => {
    const key = `${term.prefix ? '*' : '"'}${term.tokens.join(' ')}`;
    if (term.tokens.length === 0 || seen.has(key)) return;
    seen.add(key);
    terms.push(term);
  };
  const parts = query.split('"');
  parts.forEach((part, i) => {
    const tokens = searchTokens(part).map(({ token }) => token);
    // Odd parts were between quotes (an unclosed quote runs to the end).
    if (i % 2 === 1) return add({ tokens, prefix: tokens.length === 1 && !isUnigram(tokens[0]!) });
    let run: string[] = [];
    const endRun = () => {
      add({ tokens: run, prefix: false });
      run = [];
    };
    for (const token of tokens) {
      if (isUnigram(token)) {
        run.push(token);
      } else {
        endRun();
        add({ tokens: [token], prefix: true });
      }
    }
    endRun();
  });
  return terms;
}

function matchesAt(tokens: readonly SearchToken[], at: number, term: SearchTerm): boolean {
  if (term.prefix) return tokens[at]!.token.startsWith(term.tokens[0]!);
  return term.tokens.every((token, k) => tokens[at + k]?.token === token);
}

/**
 * Where each term of the query matches the text (UTF-16 ranges, sorted, merged where they touch),
 * or null when some term does not: the text is not a hit.
 */
export function matchSearch(text: string, terms: readonly SearchTerm[]): Array<[number, number]> | null {
  if (terms.length === 0) return null;
  const tokens = searchTokens(text);
  const ranges: Array<[number, number]> = [];
  for (const term of terms) {
    let found = false;
    for (let at = 0; at + term.tokens.length <= tokens.length; at++) {
      if (!matchesAt(tokens, at, term)) continue;
      found = true;
      const first = tokens[at]!;
      const last = tokens[at + term.tokens.length - 1]!;
      // A prefix highlights the part of the word it matched when the folding kept lengths.
      const end = term.prefix && first.end - first.start === first.token.length ? first.start + term.tokens[0]!.length : last.end;
      ranges.push([first.start, end]);
    }
    if (!found) return null;
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const range of ranges) {
    const prev = merged[merged.length - 1];
    if (prev && range[0] <= prev[1]) prev[1] = Math.max(prev[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/**
 * How well a text matches, for ordering by relevance where the index has no score of its own:
 * whole-word matches count more than prefixes, phrases more than words, and a short text that is
 * mostly the query ranks above a long one that mentions it once.
 */
export function searchScore(text: string, terms: readonly SearchTerm[]): number {
  const tokens = searchTokens(text);
  if (tokens.length === 0) return 0;
  let score = 0;
  for (const term of terms) {
    for (let at = 0; at + term.tokens.length <= tokens.length; at++) {
      if (!matchesAt(tokens, at, term)) continue;
      const whole = !term.prefix || tokens[at]!.token === term.tokens[0];
      score += (whole ? 2 : 1) * term.tokens.length;
    }
  }
  return score / Math.sqrt(tokens.length);
}

/**
 * A snippet of `text` around its first match, at most `maxLength` UTF-16 units plus an ellipsis
 * at each end it cut, with the highlights moved into it. Cuts fall between code points, never
 * inside a surrogate pair.
 */
export function searchSnippet(
  text: string,
  ranges: ReadonlyArray<readonly [number, number]>,
  maxLength: number,
): { snippet: string; highlights: Array<[number, number]> } {
  if (text.length <= maxLength) return { snippet: text, highlights: ranges.map(([a, b]) => [a, b]) };
  const first = ranges[0] ?? [0, 0];
  // Some context before the first match, the rest after it.
  let start = Math.max(0, Math.min(first[0] - Math.floor(maxLength / 4), text.length - maxLength));
  let end = Math.min(text.length, start + maxLength);
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start++;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end--;
  // Prefer cutting at a space when one is near.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space !== -1 && space < first[0] && space - start < 20) start = space + 1;
  }
  const head = start > 0 ? '…' : '';
  const tail = end < text.length ? '…' : '';
  const snippet = head + text.slice(start, end) + tail;
  const highlights: Array<[number, number]> = [];
  for (const [a, b] of ranges) {
    const from = Math.max(a, start);
    const to = Math.min(b, end);
    if (from < to) highlights.push([from - start + head.length, to - start + head.length]);
  }
  return { snippet, highlights };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** What of a message is searchable: its text and its files' names, one per line. */
export function messageSearchText(data: { text?: string; attachments?: ReadonlyArray<{ name: string }> }): string {
  const names = data.attachments?.map(({ name }) => name) ?? [];
  return [...(data.text !== undefined ? [data.text] : []), ...names].join('\n');
}
