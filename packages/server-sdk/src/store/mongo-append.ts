import type { LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult } from './types.js';
import { appendedEvent, nextEventId } from './store-helpers.js';
import { KeyedQueue } from '../keyed-queue.js';
import { isDuplicateKeyError, toEvent, toEventDoc, type MongoCollections } from './mongo-documents.js';

/** Attempts before an append gives up; only reachable under extreme contention. */
const MAX_ATTEMPTS = 200;

/**
 * Seq allocation without transactions. The unique index on (conversationId, seq) is the
 * sequencer: an append inserts its event at `last + 1`, and of several nodes trying the same seq
 * exactly one insert succeeds; the others re-read the log's highest seq and try the next one. No
 * seq is reserved before its event exists, so a crash can never leave a hole.
 *
 * The conversation document's `lastSeq` only seeds the first attempt. It is raised with `$max`
 * after the insert, so a crash in between leaves it behind; the next append then collides,
 * reads the real end of the log, and the same `$max` repairs the hint.
 */
export function createMongoAppender(collections: MongoCollections) {
  const { conversations, eventsLatest } = collections;
  // Appends of this process to one conversation wait for each other instead of colliding on the
  // same seq over and over; only other processes still race, and the index settles that.
  const queue = new KeyedQueue();

  async function highestSeq(conversationId: string): Promise<number> {
    const [last] = await eventsLatest
      .find({ conversationId }, { projection: { seq: 1 } })
      .sort({ seq: -1 })
      .limit(1)
      .toArray();
    return last?.seq ?? 0;
  }

  async function advance(event: LogEvent): Promise<void> {
    await conversations.updateOne(
      { _id: event.conversationId },
      { $max: { lastSeq: event.seq, lastActivityAt: event.ts } },
    );
  }

  async function appendNow(input: AppendInput): Promise<AppendResult> {
    const conversation = await conversations.findOne({ _id: input.conversationId }, { projection: { lastSeq: 1 } });
    if (!conversation) throw new Error(`conversation ${input.conversationId} does not exist`);
    let last = conversation.lastSeq;
    for (let attempt = 1; ; attempt++) {
      const event = appendedEvent(input, nextEventId(), last + 1);
      try {
        await eventsLatest.insertOne(toEventDoc(event, input.clientMsgId));
        await advance(event);
        return { event, duplicate: false };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Either index refused the insert: the message is already stored, or the seq is taken.
      const original = await eventsLatest.findOne({
        conversationId: input.conversationId,
        senderId: input.senderId,
        clientMsgId: input.clientMsgId,
      });
      if (original) {
        const event = toEvent(original);
        // The original's append may have died before its $max: finish it for it.
        await advance(event);
        return { event, duplicate: true };
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`append to ${input.conversationId}: no free seq after ${attempt} attempts`);
      }
      last = await highestSeq(input.conversationId);
      // Two nodes that keep colliding back off a little, at random, so one of them gets through.
      if (attempt > 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)));
    }
  }

  return {
    append: (input: AppendInput) => queue.run(input.conversationId, () => appendNow(input)),
    /**
     * Runs `task` in the conversation's turn: this process's appends to it wait until the task is
     * done. The task appends with the `append` it is given (the queued one would wait for the task).
     */
    exclusive: <T>(conversationId: string, task: (append: (input: AppendInput) => Promise<AppendResult>) => Promise<T>) =>
      queue.run(conversationId, () => task(appendNow)),
    highestSeq,
    /** Resolves when every append this process started has settled. */
    settled: () => queue.idle(),
  };
}
