import type { Database } from 'better-sqlite3';
import type { SearchTerm } from '@parley/protocol';

/** The longest prefix FTS5 keeps an index for (the table's `prefix = '1 2 3'`). */
const PREFIX_INDEX_MAX = 3;
/** Words a longer prefix may stand for before the query falls back to its first three characters. */
const MAX_EXPANSION = 16;

/** An FTS5 query for a search's terms. */
export interface FtsMatch {
  /** The MATCH expression. */
  match: string;
  /** Whether the expression matches more than the terms do: each row must then be checked (`tokensMatch`). */
  loose: boolean;
}

const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** The smallest string above every string that starts with `prefix` (its last character raised by one). */
function pastPrefix(prefix: string): string | null {
  const chars = [...prefix];
  const last = chars.pop()!.codePointAt(0)!;
  if (last >= 0x10ffff) return null;
  return chars.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
}

/**
 * Turns terms into an FTS5 query, each term a quoted string, all of them required (`AND`: FTS5
 * has no implicit AND after a parenthesised group). Tokens are folded already (letters and digits only), so quoting is all the
 * escaping they need, and no operator (`OR`, `NEAR`) can come from a user.
 *
 * A word is a prefix (`mee` finds `meeting`). FTS5 answers prefixes of up to three characters
 * from its prefix indexes; a longer one it answers by merging the lists of every word it starts
 * over the whole index, whatever rowid range the query asks for, which costs a common word
 * milliseconds per conversation. So a longer prefix is looked up once in the vocabulary
 * (`fts5vocab`) and asked as the words it starts (`meeting OR meetings`); when it starts more
 * than `MAX_EXPANSION` words, as its first three characters, and the rows are checked.
 */
export function createFtsMatcher(db: Database): (terms: readonly SearchTerm[]) => FtsMatch {
  // Per connection, in `temp`: the vocabulary is a view of the FTS table, nothing is stored.
  db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.parley_search_vocab USING fts5vocab(main, 'parley_search_fts', 'row')");
  const words = db.prepare<[string, string, number], { term: string }>('SELECT term FROM temp.parley_search_vocab WHERE term >= ? AND term < ? LIMIT ?');

  return (terms) => {
    let loose = false;
    const parts: string[] = [];
    for (const term of terms) {
      const token = term.tokens[0]!;
      if (!term.prefix) {
        parts.push(quote(term.tokens.join(' ')));
        continue;
      }
      const chars = [...token];
      const past = pastPrefix(token);
      if (chars.length <= PREFIX_INDEX_MAX || past === null) {
        if (chars.length > PREFIX_INDEX_MAX) loose = true;
        parts.push(`${quote(chars.slice(0, PREFIX_INDEX_MAX).join(''))}*`);
        continue;
      }
      const found = words.all(token, past, MAX_EXPANSION + 1).map(({ term: word }) => word);
      if (found.length === 0) {
        // No word starts so: the prefix as it is costs nothing then (and stays right should the
        // tokenizer fold a character otherwise than the vocabulary lookup assumed).
        parts.push(`${quote(token)}*`);
      } else if (found.length > MAX_EXPANSION) {
        loose = true;
        parts.push(`${quote(chars.slice(0, PREFIX_INDEX_MAX).join(''))}*`);
      } else {
        parts.push(found.length === 1 ? quote(found[0]!) : `(${found.map(quote).join(' OR ')})`);
      }
    }
    return { match: parts.join(' AND '), loose };
  };
}
