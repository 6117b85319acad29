import { ErrorCode, ParleyError, type AckFrame, type ChangeFrame, type NackFrame, type SendFrame } from '@parley/protocol';
import type { ClientStorage, OutboxEntry } from '../storage/client-storage.js';
import { applyAck, isSent, type ChatState } from '../state/chat-state.js';
import type { ChangePlan } from '../state/outbox-changes.js';
import {
  applyNack,
  applyUploadIncomplete,
  dueEntries,
  findEntry,
  markEmitted,
  newEntry,
  nextDueAt,
  predecessors,
  MAX_IN_FLIGHT_PER_CONVERSATION,
  putEntry,
  removeEntry,
  resetForConnection,
  retryEntry,
} from '../state/outbox.js';
import { sendData, type EntryContent } from '../state/message-content.js';
import type { Logger } from '../types.js';
import type { BackoffOptions } from '../state/backoff.js';
import type { Timers } from '../core/timers.js';

export interface OutboxSenderOptions {
  storage: ClientStorage;
  timers: Timers;
  ackTimeoutMs: number;
  backoff: BackoffOptions;
  logger: Logger;
  getState(): ChatState;
  commit(next: ChatState): void;
  /** Puts a frame on the wire; false when no connection is usable. */
  emit(frame: SendFrame | ChangeFrame): boolean;
  isOnline(): boolean;
  /** An ack the log must complete (a reply whose quote the client lacks): a sync brings the stored message. */
  needLog(): void;
  /** The uploads of messages' files (`createUploadSender`). */
  uploads: {
    /** Messages were queued, retried or need their files again: uploads go on. */
    kick(): void;
    /** A message left the outbox: its upload stops and its bytes are deleted. */
    release(entry: OutboxEntry): Promise<void>;
  };
}

/**
 * Drives the outbox: persist first, then send; resend the same clientMsgId after the ack timeout,
 * after a retryable nack (backoff with full jitter) and on every new connection; fail visibly on a
 * definitive nack. A message with files waits for their uploads (`uploads`), and has them
 * uploaded again after UPLOAD_INCOMPLETE. Entries leave storage only when acked or discarded,
 * their files' bytes with them.
 */
export function createOutboxSender(options: OutboxSenderOptions) {
  const { storage, timers, logger } = options;
  let timer: unknown;

  const update = (entry: OutboxEntry) => options.commit({ ...options.getState(), outbox: putEntry(options.getState().outbox, entry) });

  const persist = (entry: OutboxEntry) => {
    storage.outbox.put(entry).catch((err: unknown) => logger.warn('parley: outbox write failed', { error: String(err) }));
  };

  const forget = (clientMsgId: string) => {
    storage.outbox.delete(clientMsgId).catch((err: unknown) => logger.warn('parley: outbox delete failed', { error: String(err) }));
  };

  /**
   * An entry left: its files' bytes go first, then the entry, so a crash in between leaves an
   * entry that resends (the server answers a repeat with its ack), never bytes nothing names.
   */
  const forgetEntry = (entry: OutboxEntry) => {
    if (!entry.attachments?.length) return forget(entry.clientMsgId);
    // After the commit that settled it: releasing clears its progress, which commits too.
    queueMicrotask(() => void options.uploads.release(entry).finally(() => forget(entry.clientMsgId)));
  };

  /** Emits the due entries in creation order and arms one timer for the next due time. */
  const pump = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    if (!options.isOnline()) return;
    const now = timers.now();
    let outbox = options.getState().outbox;
    const after = predecessors(outbox);
    for (const entry of dueEntries(outbox, now, options.ackTimeoutMs)) {
      const previous = after.get(entry.clientMsgId);
      const head = {
        conversationId: entry.conversationId,
        clientMsgId: entry.clientMsgId,
        ...(previous !== undefined ? { after: previous } : {}),
      };
      // Messages and changes share one order per conversation: the `after` chain names either.
      const sent = options.emit(entry.change
        ? { type: 'change', ...head, target: entry.change.target, change: entry.change.change }
        : { type: 'send', ...head, data: sendData(entry) });
      if (!sent) break;
      outbox = putEntry(outbox, markEmitted(entry, now));
    }
    if (outbox !== options.getState().outbox) options.commit({ ...options.getState(), outbox });
    const next = nextDueAt(outbox, options.ackTimeoutMs);
    if (next !== undefined) timer = timers.setTimeout(pump, Math.max(0, next - timers.now()));
  };

  return {
    /** Stores the message, shows it as pending, then sends it if online. */
    async enqueue(clientMsgId: string, conversationId: string, content: EntryContent): Promise<OutboxEntry> {
      const entry = newEntry(clientMsgId, conversationId, content, timers.now());
      update(entry);
      try {
        await storage.outbox.put(entry);
      } catch (err) {
        options.commit({ ...options.getState(), outbox: removeEntry(options.getState().outbox, clientMsgId) });
        throw ParleyError.from(err);
      }
      pump();
      if (entry.attachments) options.uploads.kick();
      return entry;
    },
    /**
     * Lands a planned change (`planChange`): the entry it puts is stored before it shows as
     * queued, the entries it makes pointless leave, then it goes out if online.
     */
    async applyPlan(plan: ChangePlan): Promise<void> {
      const before = options.getState().outbox;
      let outbox = before;
      for (const id of plan.remove) outbox = removeEntry(outbox, id);
      if (plan.put) outbox = putEntry(outbox, plan.put);
      if (outbox === before) return;
      // Storage follows removals through forgetSettled, like every other way an entry leaves.
      options.commit({ ...options.getState(), outbox });
      if (plan.put) {
        try {
          await storage.outbox.put(plan.put);
        } catch (err) {
          const previous = before.find((e) => e.clientMsgId === plan.put?.clientMsgId);
          const now = options.getState().outbox;
          options.commit({ ...options.getState(), outbox: previous ? putEntry(now, previous) : removeEntry(now, plan.put.clientMsgId) });
          throw ParleyError.from(err);
        }
      }
      pump();
    },
    /** A new connection was welcomed: everything pending goes out again, in order. */
    flushAll() {
      const state = options.getState();
      const outbox = resetForConnection(state.outbox);
      if (outbox !== state.outbox) options.commit({ ...state, outbox });
      pump();
      options.uploads.kick();
    },
    onAck(ack: AckFrame) {
      if (!findEntry(options.getState().outbox, ack.clientMsgId)) return;
      // Storage follows through forgetSettled, like every other way an entry settles.
      const state = options.getState();
      const next = applyAck(state, ack);
      // Not settled: the entry stays (pending, resent on timeout: a repeat is acked again) until
      // the sync brings the stored message, which settles it as any own message in the log does.
      if (next === state) options.needLog();
      else options.commit(next);
    },
    onNack(nack: NackFrame) {
      const entry = findEntry(options.getState().outbox, nack.clientMsgId);
      if (!entry) return;
      // Deleting what is gone already (deleted on another device) is done, not failed.
      if (entry.change?.change.kind === 'delete' && nack.code === ErrorCode.NOT_FOUND) {
        options.commit({ ...options.getState(), outbox: removeEntry(options.getState().outbox, entry.clientMsgId) });
        pump();
        return;
      }
      if (nack.code === ErrorCode.UPLOAD_INCOMPLETE && entry.attachments?.length) {
        // A file is missing or unlike its declaration at the server: upload again, then resend.
        const next = applyUploadIncomplete(entry, nack);
        update(next);
        persist(next);
        options.uploads.kick();
        pump();
        return;
      }
      const next = applyNack(entry, nack, timers.now(), options.backoff, timers.random);
      update(next);
      if (next.status === 'failed') persist(next);
      pump();
    },
    /** Takes an entry another tab already stored in the shared outbox, and sends it. */
    adopt(entry: OutboxEntry) {
      const state = options.getState();
      if (findEntry(state.outbox, entry.clientMsgId)) return;
      const conv = state.conversations.get(entry.conversationId);
      if (conv?.events.some((e) => isSent(e) && e.clientMsgId === entry.clientMsgId && e.senderId === state.userId)) {
        forgetEntry(entry);
        return;
      }
      update(entry);
      pump();
      if (entry.attachments) options.uploads.kick();
    },
    /** Sends a failed message or change again, same clientMsgId (uploading what its files still need). */
    async retry(clientMsgId: string): Promise<void> {
      const entry = findEntry(options.getState().outbox, clientMsgId);
      if (!entry) throw new ParleyError(ErrorCode.NOT_FOUND, `no outbox entry ${clientMsgId}`);
      const next = retryEntry(entry);
      update(next);
      await storage.outbox.put(next);
      pump();
      if (next.attachments) options.uploads.kick();
    },
    /** Drops a message or change; a message's upload stops and its bytes are deleted before this resolves. */
    async discard(clientMsgId: string): Promise<void> {
      const entry = findEntry(options.getState().outbox, clientMsgId);
      options.commit({ ...options.getState(), outbox: removeEntry(options.getState().outbox, clientMsgId) });
      if (entry?.attachments) await options.uploads.release(entry);
      await storage.outbox.delete(clientMsgId);
    },
    /** Entries that settled by another path (an own event in the log) leave storage too. */
    forgetSettled(before: ChatState, after: ChatState) {
      if (before.outbox === after.outbox) return;
      const kept = new Set(after.outbox.map((e) => e.clientMsgId));
      let settled = false;
      for (const entry of before.outbox) {
        if (kept.has(entry.clientMsgId)) continue;
        forgetEntry(entry);
        settled = true;
      }
      // A place in a conversation's window opened: the next message waiting for it goes out
      // (after this commit, since pumping commits too).
      if (settled && after.outbox.length >= MAX_IN_FLIGHT_PER_CONVERSATION) queueMicrotask(pump);
    },
    pump,
    stop() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}

export type OutboxSender = ReturnType<typeof createOutboxSender>;
