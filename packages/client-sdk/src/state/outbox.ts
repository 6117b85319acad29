import { ErrorCode } from '@parley/protocol';
import type { OutboxAttachment, OutboxEntry } from '../storage/client-storage.js';
import { fullJitterDelay, type BackoffOptions } from './backoff.js';
import type { EntryContent } from './message-content.js';

/**
 * The outbox state machine, as pure functions over immutable entries:
 *
 * ```
 * pending ──ack──▶ (removed: the message is in the log)
 * pending ──retryable nack──▶ pending (retryAt = now + full-jitter backoff)
 * pending ──OUT_OF_ORDER nack──▶ pending (unsent: goes out again right behind its predecessor)
 * pending ──definitive nack──▶ failed ──retry()──▶ pending
 * pending ──UPLOAD_INCOMPLETE nack──▶ pending, its files to upload again (a few times, then failed)
 * failed  ──discard()──▶ (removed)
 * ```
 * A message with files goes out only once every file is uploaded (`awaitsUpload`).
 * Entries leave only by ack (or an own event with the same clientMsgId) or by discard.
 */
export type Outbox = readonly OutboxEntry[];

/** A new pending entry; `content` is its text, or what it says (`text`, `custom`, `mentions`, `replyTo`). */
export function newEntry(clientMsgId: string, conversationId: string, content: string | EntryContent, now: number): OutboxEntry {
  const said = typeof content === 'string' ? { text: content } : content;
  return { clientMsgId, conversationId, ...said, createdAt: now, status: 'pending', attempts: 0 };
}

/** Inserts or replaces an entry, keeping clientMsgId (creation) order. */
export function putEntry(outbox: Outbox, entry: OutboxEntry): Outbox {
  const rest = outbox.filter((e) => e.clientMsgId !== entry.clientMsgId);
  return [...rest, entry].sort((a, b) => (a.clientMsgId < b.clientMsgId ? -1 : a.clientMsgId > b.clientMsgId ? 1 : 0));
}

export function removeEntry(outbox: Outbox, clientMsgId: string): Outbox {
  return outbox.some((e) => e.clientMsgId === clientMsgId) ? outbox.filter((e) => e.clientMsgId !== clientMsgId) : outbox;
}

export function findEntry(outbox: Outbox, clientMsgId: string): OutboxEntry | undefined {
  return outbox.find((e) => e.clientMsgId === clientMsgId);
}

/** The entry was put on the wire now. */
export function markEmitted(entry: OutboxEntry, now: number): OutboxEntry {
  const { retryAt: _retryAt, ...rest } = entry;
  return { ...rest, attempts: entry.attempts + 1, lastSentAt: now };
}

/** A nack: retry later with backoff if it may succeed, otherwise fail visibly. */
export function applyNack(
  entry: OutboxEntry,
  nack: { code: number; message: string; retryable: boolean },
  now: number,
  backoff: BackoffOptions,
  random: () => number = Math.random,
): OutboxEntry {
  const { lastSentAt: _lastSentAt, retryAt: _retryAt, ...rest } = entry;
  // The server stores this one only after the device's previous one, which is either still
  // pending here (and holds this one back while it waits) or no longer (and is not named again).
  if (nack.code === ErrorCode.OUT_OF_ORDER) return rest;
  if (!nack.retryable) return { ...rest, status: 'failed', error: { code: nack.code, message: nack.message } };
  return { ...rest, retryAt: now + fullJitterDelay(Math.max(0, entry.attempts - 1), backoff, random) };
}

/** `retry()` of a failed entry: pending again, same clientMsgId, fresh attempt count. */
export function retryEntry(entry: OutboxEntry): OutboxEntry {
  const { error: _error, lastSentAt: _lastSentAt, retryAt: _retryAt, reuploads: _reuploads, ...rest } = entry;
  return { ...rest, status: 'pending', attempts: 0 };
}

/** Whether a pending message still has files to upload before it may be sent. */
export function awaitsUpload(entry: OutboxEntry): boolean {
  return entry.status === 'pending' && entry.attachments !== undefined && entry.attachments.some((a) => !a.uploaded);
}

/** Times a message's files are uploaded again after UPLOAD_INCOMPLETE before it fails. */
export const MAX_REUPLOADS = 3;

/**
 * UPLOAD_INCOMPLETE: the server found a file missing or unlike what was declared. Its files are
 * uploaded again through their slots (renewed: the server says which are complete after all),
 * then the message goes out again with the same clientMsgId; past `MAX_REUPLOADS`, it fails.
 */
export function applyUploadIncomplete(entry: OutboxEntry, nack: { code: number; message: string }): OutboxEntry {
  const { lastSentAt: _lastSentAt, retryAt: _retryAt, ...rest } = entry;
  const reuploads = (entry.reuploads ?? 0) + 1;
  if (!entry.attachments || reuploads > MAX_REUPLOADS) return { ...rest, status: 'failed', error: { code: nack.code, message: nack.message } };
  return { ...rest, reuploads, attachments: entry.attachments.map(({ uploaded: _uploaded, ...file }) => file) };
}

/** The entry with one of its files changed (`localId`), or the same entry when it has no such file. */
export function withAttachment(entry: OutboxEntry, localId: string, change: (file: OutboxAttachment) => OutboxAttachment): OutboxEntry {
  const files = entry.attachments;
  const index = files?.findIndex((a) => a.localId === localId) ?? -1;
  if (!files || index < 0) return entry;
  const next = change(files[index]!);
  return next === files[index] ? entry : { ...entry, attachments: files.map((file, i) => (i === index ? next : file)) };
}

/** A new connection: nothing is in flight on it, so every pending entry goes out again. */
export function resetForConnection(outbox: Outbox): Outbox {
  if (!outbox.some((e) => e.lastSentAt !== undefined || e.retryAt !== undefined)) return outbox;
  return outbox.map((entry) => {
    if (entry.status !== 'pending') return entry;
    const { lastSentAt: _lastSentAt, retryAt: _retryAt, ...rest } = entry;
    return rest;
  });
}

/**
 * For each pending entry, the pending entry before it in its conversation: the device's previous
 * message that the server must store first (SEND's `after`). Failed entries are out of the chain.
 */
export function predecessors(outbox: Outbox): Map<string, string> {
  const last = new Map<string, string>();
  const out = new Map<string, string>();
  for (const entry of outbox) {
    if (entry.status !== 'pending') continue;
    const before = last.get(entry.conversationId);
    if (before !== undefined) out.set(entry.clientMsgId, before);
    last.set(entry.conversationId, entry.clientMsgId);
  }
  return out;
}

/** Unanswered resends wait 1, 2, 4, then 8 ack timeouts: a slow server is not buried in copies. */
const MAX_ACK_WAITS = 8;

/**
 * When a pending entry should (re)go out: now if never sent, after a backoff, or when its answer
 * is overdue (the ack timeout, doubled for each unanswered send on this connection, capped).
 */
export function dueAt(entry: OutboxEntry, ackTimeoutMs: number): number | undefined {
  if (entry.status !== 'pending') return undefined;
  if (entry.lastSentAt !== undefined) {
    return entry.lastSentAt + ackTimeoutMs * Math.min(2 ** Math.max(0, entry.attempts - 1), MAX_ACK_WAITS);
  }
  return entry.retryAt ?? 0;
}

/**
 * Unacknowledged messages of one conversation that may be on the wire at once. Plenty for any
 * chat (pipelining hides the round trip), and it bounds what one refusal costs: everything behind
 * a refused message that is already on the wire is refused too (`OUT_OF_ORDER`) and sent again.
 * It also keeps a long offline backlog from bursting past the server's frame budget.
 */
export const MAX_IN_FLIGHT_PER_CONVERSATION = 32;

/**
 * Whether each pending entry may go out now, in creation order. An entry waiting out a backoff,
 * or for its files to upload, holds back the later entries of its conversation, so neither a
 * retry nor an upload ever lets a newer message be stored before an older one. Entries on the
 * wire (awaiting their ack) hold nothing back (one connection delivers in order), but only the
 * first `MAX_IN_FLIGHT_PER_CONVERSATION` pending entries of a conversation are sent; the next
 * goes out as an earlier one is acknowledged.
 */
function schedule(outbox: Outbox, ackTimeoutMs: number, now = Number.NEGATIVE_INFINITY): { entry: OutboxEntry; at: number }[] {
  const held = new Set<string>();
  const pendingBefore = new Map<string, number>();
  const out: { entry: OutboxEntry; at: number }[] = [];
  for (const entry of outbox) {
    const at = dueAt(entry, ackTimeoutMs);
    if (at === undefined || held.has(entry.conversationId)) continue;
    if (awaitsUpload(entry)) {
      held.add(entry.conversationId);
      continue;
    }
    const ahead = pendingBefore.get(entry.conversationId) ?? 0;
    if (ahead >= MAX_IN_FLIGHT_PER_CONVERSATION) continue;
    pendingBefore.set(entry.conversationId, ahead + 1);
    out.push({ entry, at });
    if (entry.lastSentAt === undefined && entry.retryAt !== undefined && entry.retryAt > now) held.add(entry.conversationId);
  }
  return out;
}

/** Pending entries due at `now`, in creation order. */
export function dueEntries(outbox: Outbox, now: number, ackTimeoutMs: number): OutboxEntry[] {
  return schedule(outbox, ackTimeoutMs, now).filter(({ at }) => at <= now).map(({ entry }) => entry);
}

/** The earliest due time of an entry not held back, to arm one timer for the whole outbox. */
export function nextDueAt(outbox: Outbox, ackTimeoutMs: number): number | undefined {
  let next: number | undefined;
  for (const { at } of schedule(outbox, ackTimeoutMs)) if (next === undefined || at < next) next = at;
  return next;
}
