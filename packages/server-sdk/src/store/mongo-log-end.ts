import type { ConversationDoc, MongoCollections } from './mongo-documents.js';

/** `$or` branches per query when checking many conversations at once. */
const BRANCHES_PER_QUERY = 200;

type LogEnd = { seq: number; ts: number };

/**
 * Conversation documents as readers must see them: with the end of the log, not the `lastSeq`
 * hint. The appender raises the hint with `$max` after its insert, so a crash in between leaves
 * an ACKed event past the hint until some later append; every read bounded by the hint
 * (history pages, sync, summaries, unread counts) would hide it meanwhile. Listing memberships
 * also repairs a lagging hint with the same `$max`, so that the next listing finds nothing past it.
 *
 * Reads go through `events` (the read concern users see), so a repair never announces an event
 * that a read of the log would not return.
 */
export function createMongoLogEnd({ conversations, events }: Pick<MongoCollections, 'conversations' | 'events'>) {
  /** The highest event of one conversation: one indexed lookup on (conversationId, seq). */
  async function endOf(conversationId: string): Promise<LogEnd | null> {
    const [last] = await events
      .find({ conversationId }, { projection: { seq: 1, ts: 1 } })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    return last ? { seq: last.seq, ts: last.ts } : null;
  }

  function withEnd(doc: ConversationDoc, end: LogEnd | undefined | null): ConversationDoc {
    if (!end || end.seq <= doc.lastSeq) return doc;
    return { ...doc, lastSeq: end.seq, lastActivityAt: Math.max(doc.lastActivityAt, end.ts) };
  }

  /** Ends of the logs past their hints, by conversation: one round trip per batch, empty when none lags. */
  async function endsPastHints(docs: readonly ConversationDoc[]): Promise<Map<string, LogEnd>> {
    const ends = new Map<string, LogEnd>();
    for (let start = 0; start < docs.length; start += BRANCHES_PER_QUERY) {
      const batch = docs.slice(start, start + BRANCHES_PER_QUERY);
      const past = await events
        .find(
          { $or: batch.map((doc) => ({ conversationId: doc._id, seq: { $gt: doc.lastSeq } })) },
          { projection: { conversationId: 1, seq: 1, ts: 1 } },
        )
        .toArray();
      for (const event of past) {
        const end = ends.get(event.conversationId);
        // lastActivityAt is the newest ts of any event, as the appender's own $max makes it.
        ends.set(event.conversationId, { seq: Math.max(end?.seq ?? 0, event.seq), ts: Math.max(end?.ts ?? 0, event.ts) });
      }
    }
    return ends;
  }

  return {
    /** The conversation document with its log's real end (read alongside it: no extra wait). */
    async findConversation(conversationId: string): Promise<ConversationDoc | null> {
      const [doc, end] = await Promise.all([conversations.findOne({ _id: conversationId }), endOf(conversationId)]);
      // No repair write here: this runs on every send, where an append between the two reads
      // (its insert seen, its $max not yet) is common and its own $max follows anyway.
      return doc ? withEnd(doc, end) : null;
    },

    /** The documents with their logs' real ends. */
    async withLogEnds(docs: readonly ConversationDoc[]): Promise<ConversationDoc[]> {
      if (docs.length === 0) return [];
      const ends = await endsPastHints(docs);
      // Repair the lagging hints, so that the next listing finds nothing past them again.
      await Promise.all(
        [...ends].map(([conversationId, end]) =>
          conversations.updateOne({ _id: conversationId }, { $max: { lastSeq: end.seq, lastActivityAt: end.ts } }),
        ),
      );
      return docs.map((doc) => withEnd(doc, ends.get(doc._id)));
    },
  };
}
