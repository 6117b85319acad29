import type { ChatStore } from './types.js';
import { erasedEvent } from './store-helpers.js';
import { TIMELINE_LANE, toEvent, toEventDoc, type EventDoc, type MongoCollections } from './mongo-documents.js';

/**
 * The MongoDB store's reads by lane and its erasure, on the parley_events_lane and
 * parley_events_quotes indexes (format 3). Only what FerretDB 1.x runs: finds with sorts, limits
 * and projections, counts, and updates by _id (its `$group` lacks `$max`, and it has no
 * transactions or pipeline updates).
 */
export function createMongoLanes({ events }: Pick<MongoCollections, 'events'>): Pick<ChatStore, 'readLane' | 'readChanges' | 'countReplies' | 'eraseMessage'> {
  const laneFilter = (lane: number) => (lane === 0 ? TIMELINE_LANE : lane);
  const positive = (seqs: readonly number[]) => [...new Set(seqs)].filter((seq) => Number.isSafeInteger(seq) && seq > 0);

  /** The newest reply of one thread up to `throughSeq`, and how many there are: two reads of one index range. */
  async function repliesOf(conversationId: string, root: number, throughSeq: number) {
    const filter = { conversationId, lane: -root, seq: { $lte: throughSeq } };
    const [newest] = await events.find(filter, { projection: { ts: 1 } }).sort({ seq: -1 }).limit(1).toArray();
    if (!newest) return null;
    return { count: await events.countDocuments(filter), lastReplyAt: newest.ts };
  }

  return {
    async readLane(conversationId, lane, beforeSeq, limit) {
      if (limit <= 0) return [];
      const docs = await events
        .find({ conversationId, lane: laneFilter(lane), seq: { $lt: beforeSeq } })
        .sort({ seq: -1 })
        .limit(limit)
        .toArray();
      return docs.map(toEvent).reverse();
    },

    async readChanges(conversationId, messageSeqs, throughSeq, options) {
      const lanes = positive(messageSeqs);
      const kinds = options?.kinds;
      if (lanes.length === 0 || kinds?.length === 0) return [];
      const filter = { conversationId, lane: { $in: lanes }, seq: { $lte: throughSeq }, ...(kinds ? { kind: { $in: [...kinds] } } : {}) };
      const docs = await events.find(filter).sort({ seq: 1 }).toArray();
      return docs.map(toEvent);
    },

    async countReplies(conversationId, rootSeqs, throughSeq) {
      const roots = positive(rootSeqs);
      const counts = await Promise.all(roots.map((root) => repliesOf(conversationId, root, throughSeq)));
      const out = new Map<number, { count: number; lastReplyAt: number }>();
      roots.forEach((root, i) => {
        const replies = counts[i];
        if (replies) out.set(root, replies);
      });
      return out;
    },

    async eraseMessage(conversationId, messageSeq, options) {
      // No transaction: each document is rewritten by _id to what `erasedEvent` leaves of it, so a
      // crash part-way is repaired by running it again (the server does, on a repeated delete).
      const docs = await events
        .find({
          conversationId,
          $or: [{ seq: messageSeq }, { lane: messageSeq, kind: 'message.edited' }, { 'data.replyTo.seq': messageSeq }],
        })
        .toArray();
      for (const doc of docs) {
        const erased = erasedEvent(toEvent(doc), messageSeq, options?.keepEditSeq);
        if (!erased) continue;
        const { data, customJson } = toEventDoc(erased, doc.clientMsgId);
        const update: { $set: Partial<EventDoc>; $unset?: { customJson: '' } } = { $set: customJson === undefined ? { data } : { data, customJson } };
        if (customJson === undefined && doc.customJson !== undefined) update.$unset = { customJson: '' };
        await events.updateOne({ _id: doc._id, conversationId }, update);
      }
    },
  };
}
