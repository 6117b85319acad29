import type { Db, Filter, WriteConcernSettings } from 'mongodb';
import type { SearchTerm } from '@parley/protocol';
import type { SearchIndex, SearchIndexPage, SearchIndexQuery } from '../search/types.js';
import { decodeCursor, newestPage, tokensMatch, type NewestMark } from '../search/search-order.js';
import { RELEVANCE_WINDOW, relevancePage, type Candidate } from '../search/relevance-window.js';
import { isDuplicateKeyError, withIndexRetries } from './mongo-documents.js';

/** One message as the index holds it: `_id` is `conversationId\nseq`. */
interface SearchDoc {
  _id: string;
  conversationId: string;
  seq: number;
  /** 0 on a removal's tombstone written before the message itself. */
  ts: number;
  senderId: string;
  /** In order, repeats kept: phrases are checked on them. Empty once removed. */
  tokens: string[];
  version: number;
  removed: boolean;
}

interface ProgressDoc {
  _id: string;
  indexedSeq: number;
}

export interface MongoSearchIndexOptions {
  /** Prefix of the collection names (`search`, `search_conversations`). Default `parley_`, as the store's. */
  collectionPrefix?: string;
  /** Write concern of every write. Default `{ w: 'majority', journal: true }`, as the store's. */
  writeConcern?: WriteConcernSettings;
  /** Create the indexes before the first operation (idempotent). Default true. */
  autoIndex?: boolean;
  /** How many of the newest hits the `relevance` order ranks (then older ones follow, newest first). Default 1000. */
  relevanceWindow?: number;
}

/** Documents read or inserted per command while applying. */
const WRITE_CHUNK = 500;
/** Documents read per batch while a query walks its candidates. */
const READ_BATCH = 200;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The candidate filter of one term: a word any token starts (anchored, so an index serves it), or every token of a phrase present. */
function termFilter(term: SearchTerm): Filter<SearchDoc> {
  if (term.prefix) return { tokens: { $regex: `^${escapeRegex(term.tokens[0]!)}` } };
  return { tokens: { $all: [...new Set(term.tokens)] } };
}

/**
 * The MongoDB store's search index: `<prefix>search`, one document per message with its tokens
 * as an array (in order), and `<prefix>search_conversations`, how far each conversation's log is
 * applied. A query asks for candidates (the conversations named, each term's condition on
 * `tokens`: an anchored regex for a word, which a multikey index serves on MongoDB as a range of
 * it, and `$all` of a phrase's tokens), newest first from the (conversationId, ts, seq) index,
 * and keeps those whose tokens hold the terms in order (`tokensMatch`: phrases and runs of
 * Chinese or Japanese characters are adjacent tokens). `relevance` ranks the newest
 * `relevanceWindow` hits with `tokensScore`.
 *
 * Not `$text`: a text index matches whole stemmed words (no prefixes, so no search as you type),
 * has no tokenizer for scripts written without spaces, allows one per collection, and
 * MongoDB-wire servers such as FerretDB have no text search at all. This needs only equality,
 * anchored regexes and `$all`, which any MongoDB-wire server answers. On a server that cannot
 * use the indexes for them (FerretDB 1.x scans), or a MongoDB whose indexes were not created, the
 * answers are the same, found by scanning the conversations' documents: fine for a small
 * deployment, slow for millions of messages.
 *
 * Versions are kept by conditional upserts (`version < the new one`), so nodes applying
 * overlapping batches concurrently, in any order, end with the newest text; no transactions
 * (FerretDB has none).
 *
 * @example
 * import { MongoClient } from 'mongodb';
 * import { createMongoSearchIndex } from '@parley/server-sdk/mongodb';
 *
 * const client = await MongoClient.connect(process.env.MONGODB_URI!);
 * const index = createMongoSearchIndex(client.db('chat'));
 * await index.ensureIndexes();
 */
export function createMongoSearchIndex(db: Db, options: MongoSearchIndexOptions = {}): SearchIndex & { ensureIndexes(): Promise<void> } {
  const prefix = options.collectionPrefix ?? 'parley_';
  const base = {
    writeConcern: options.writeConcern ?? { w: 'majority' as const, journal: true },
    readPreference: 'primary' as const,
    readConcern: { level: 'local' as const },
  };
  const docs = db.collection<SearchDoc>(`${prefix}search`, base);
  const progress = db.collection<ProgressDoc>(`${prefix}search_conversations`, base);
  const window = options.relevanceWindow ?? RELEVANCE_WINDOW;

  let indexes: Promise<void> | undefined;
  function ensureIndexes(): Promise<void> {
    indexes ??= (async () => {
      // One index per command (FerretDB 1.x and createIndexes of several, see mongo-documents.ts).
      await withIndexRetries(() => docs.createIndex({ tokens: 1, conversationId: 1 }, { name: 'parley_search_tokens' }));
      await withIndexRetries(() => docs.createIndex({ conversationId: 1, ts: -1, seq: -1 }, { name: 'parley_search_newest' }));
    })().catch((error: unknown) => {
      indexes = undefined; // let the next call try again
      throw error;
    });
    return indexes;
  }
  const ready = () => (options.autoIndex === false ? Promise.resolve() : ensureIndexes());

  /** Brings `doc` in unless the index holds its message at that version or newer: a conditional update, or an insert when it is new. */
  async function put(doc: SearchDoc, exists: boolean): Promise<void> {
    const { _id, version, ...fields } = doc;
    const set = doc.removed ? { tokens: [], removed: true, version } : { ...fields, version };
    if (exists) {
      await docs.updateOne({ _id, version: { $lt: version } }, { $set: set });
      return;
    }
    try {
      await docs.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Another node wrote it meanwhile: replace it unless its version is as new already.
      await docs.updateOne({ _id, version: { $lt: version } }, { $set: set });
    }
  }

  /**
   * Writes documents: new ones with `insertMany` in chunks (a conditional upsert that inserts is
   * slow on FerretDB), held ones by conditional updates. Whatever fails (a document another node
   * inserted first) is written again one by one: every write is idempotent.
   */
  async function write(fresh: SearchDoc[], stale: SearchDoc[]): Promise<void> {
    for (let i = 0; i < fresh.length; i += WRITE_CHUNK) {
      const chunk = fresh.slice(i, i + WRITE_CHUNK);
      try {
        await docs.insertMany(chunk, { ordered: false });
      } catch {
        for (const doc of chunk) await put(doc, false);
      }
    }
    for (const doc of stale) await put(doc, true);
  }

  /** Up to `count` hits in the newest order, from the start or after `mark`. */
  async function newestHits(query: SearchIndexQuery, count: number, mark: NewestMark | null): Promise<Candidate[]> {
    const ts: Record<string, number> = {};
    if (query.before !== undefined) ts.$lt = query.before;
    if (query.after !== undefined) ts.$gt = query.after;
    const and: Filter<SearchDoc>[] = query.terms.map(termFilter);
    if (mark) {
      and.push({
        $or: [
          { ts: { $lt: mark.ts } },
          { ts: mark.ts, conversationId: { $lt: mark.conversationId } },
          { ts: mark.ts, conversationId: mark.conversationId, seq: { $lt: mark.seq } },
        ],
      });
    }
    const filter: Filter<SearchDoc> = {
      conversationId: { $in: [...new Set(query.conversationIds)] },
      removed: false,
      ...(query.senderId !== undefined ? { senderId: query.senderId } : {}),
      ...(Object.keys(ts).length > 0 ? { ts } : {}),
      $and: and,
    };
    const hits: Candidate[] = [];
    const cursor = docs
      .find(filter, { projection: { conversationId: 1, seq: 1, ts: 1, tokens: 1 } })
      .sort({ ts: -1, conversationId: -1, seq: -1 })
      .batchSize(Math.min(READ_BATCH, count + 1));
    try {
      for await (const doc of cursor) {
        if (!tokensMatch(doc.tokens, query.terms)) continue;
        hits.push({ conversationId: doc.conversationId, seq: doc.seq, ts: doc.ts, tokens: doc.tokens });
        if (hits.length >= count) break;
      }
    } finally {
      await cursor.close();
    }
    return hits;
  }

  return {
    ensureIndexes,

    async indexedSeqs(conversationIds) {
      await ready();
      const out = new Map<string, number>();
      if (conversationIds.length === 0) return out;
      for (const doc of await progress.find({ _id: { $in: [...new Set(conversationIds)] } }).toArray()) out.set(doc._id, doc.indexedSeq);
      return out;
    },

    async apply(update) {
      await ready();
      const { conversationId } = update;
      const idOf = (seq: number) => `${conversationId}\n${seq}`;
      // Skip what the index holds at that version or newer already (a batch applied again).
      const ids = [...update.upserts.map((doc) => idOf(doc.seq)), ...update.removals.map(({ seq }) => idOf(seq))];
      const held = new Map<string, number>();
      for (let i = 0; i < ids.length; i += WRITE_CHUNK) {
        const found = await docs.find({ _id: { $in: ids.slice(i, i + WRITE_CHUNK) } }, { projection: { version: 1 } }).toArray();
        for (const doc of found) held.set(doc._id, doc.version);
      }
      const wanted: SearchDoc[] = [
        ...update.upserts.map((doc) => ({
          _id: idOf(doc.seq), conversationId, seq: doc.seq, ts: doc.ts, senderId: doc.senderId, tokens: doc.tokens.split(' '), version: doc.version, removed: false,
        })),
        ...update.removals.map(({ seq, version }) => ({ _id: idOf(seq), conversationId, seq, ts: 0, senderId: '', tokens: [], version, removed: true })),
      ];
      // Within one update too, the highest version of a message wins.
      const bySeq = new Map<string, SearchDoc>();
      for (const doc of wanted) if ((bySeq.get(doc._id)?.version ?? -Infinity) < doc.version) bySeq.set(doc._id, doc);
      const fresh = [...bySeq.values()].filter((doc) => !held.has(doc._id));
      const stale = [...bySeq.values()].filter((doc) => held.has(doc._id) && held.get(doc._id)! < doc.version);
      await write(fresh, stale);
      // Only after the documents: a crash in between leaves the seq behind, and the stretch is applied again.
      await progress.updateOne({ _id: conversationId }, { $max: { indexedSeq: update.throughSeq } }, { upsert: true });
    },

    async query(query): Promise<SearchIndexPage> {
      await ready();
      const mark = query.cursor === undefined ? null : decodeCursor(query.cursor);
      if (query.order === 'relevance') return relevancePage(query, (count, after) => newestHits(query, count, after), window);
      return newestPage(await newestHits(query, query.limit + 1, mark), query.limit);
    },

    async stats() {
      await ready();
      const documents = await docs.countDocuments({ removed: false });
      let bytes = 0;
      try {
        const stats = (await db.command({ collStats: `${prefix}search` })) as { size?: number; totalIndexSize?: number };
        bytes = (stats.size ?? 0) + (stats.totalIndexSize ?? 0);
      } catch {
        // A server without collStats: no size to tell.
      }
      return { documents, bytes };
    },
  };
}
