import type { LogEvent, ReactionGroup } from '@parley/protocol';
import type { ChatStore } from './types.js';
import { reactionGroups, type HeldReaction } from './store-helpers.js';
import type { MongoCollections } from './mongo-documents.js';

/** What a page's reactions are folded from: reactions, and the deletes that void them. */
const REACTIONS_AND_DELETES: LogEvent['kind'][] = ['reaction.added', 'reaction.removed', 'message.deleted'];

interface ReactionDoc {
  seq: number;
  lane: number;
  kind: string;
  senderId: string;
  data: { key?: string };
}

/**
 * The MongoDB store's `readReactions`: folded from the log on each read, not from an index.
 *
 * An index collection cannot be kept exactly without multi-document transactions (FerretDB has
 * none): between the event insert and the index write, a history page on another node already
 * sees the event at the end of the log (its `throughSeq`, the page's `state.asOfSeq`) but not in
 * the index, and a client then skips that reaction's live push for good, since its seq is at or
 * below the page's state. A crash in that gap leaves the same hole until someone retries. Ruling
 * that out means checking the index against the log on every read, which costs what this read
 * costs. So this reads the page's reaction events (one query on the parley_events_lane index,
 * only the five fields a register needs, no `data` beyond the key) and keeps the latest per
 * (message, key, user): a map update per event, not the protocol's fold of whole messages.
 * Its cost still grows with the reactions on the page (docs/storage.md).
 */
export function createMongoReactions({ events }: Pick<MongoCollections, 'events'>): Pick<ChatStore, 'readReactions'> {
  return {
    async readReactions(conversationId, messageSeqs, throughSeq) {
      const lanes = [...new Set(messageSeqs)].filter((seq) => Number.isSafeInteger(seq) && seq > 0);
      const out = new Map<number, ReactionGroup[]>();
      if (lanes.length === 0) return out;
      const docs = await events
        .find<ReactionDoc>(
          { conversationId, lane: { $in: lanes }, seq: { $lte: throughSeq }, kind: { $in: REACTIONS_AND_DELETES } },
          { projection: { _id: 0, seq: 1, lane: 1, kind: 1, senderId: 1, 'data.key': 1 } },
        )
        .toArray();
      // Per message, per `key\nuserId`: the latest reaction event (the register); a delete voids them all.
      const registers = new Map<number, Map<string, HeldReaction & { held: boolean }> | 'deleted'>();
      for (const doc of docs.sort((a, b) => a.seq - b.seq)) {
        const current = registers.get(doc.lane);
        if (current === 'deleted') continue;
        if (doc.kind === 'message.deleted') {
          registers.set(doc.lane, 'deleted');
          continue;
        }
        const key = doc.data.key ?? '';
        const held = current ?? new Map<string, HeldReaction & { held: boolean }>();
        held.set(`${key}\n${doc.senderId}`, { key, userId: doc.senderId, seq: doc.seq, held: doc.kind === 'reaction.added' });
        registers.set(doc.lane, held);
      }
      for (const [seq, held] of registers) {
        if (held === 'deleted') continue;
        const groups = reactionGroups([...held.values()].filter((r) => r.held));
        if (groups.length > 0) out.set(seq, groups);
      }
      return out;
    },
  };
}
