import { randomUUID } from 'node:crypto';
import { erasedByDelete, isChange, isUnreadMention, laneOf, type LogEvent, type MessageData, type ReactionGroup } from '@parley/protocol';
import type { AppendInput, ChangeInput, CreateConversationInput, StoredUserSettings, WatermarkUpdate } from './types.js';

/** The dedup key system events use, so a retried operation appends its event once. */
export const SYSTEM_CREATED_ID = 'system:created';

/** A fresh, globally unique event id. */
export function nextEventId(): string {
  return `e_${randomUUID()}`;
}

/** The `conversation.created` event every conversation starts its log with. */
export function createdEventInput(input: CreateConversationInput): AppendInput {
  return {
    conversationId: input.id,
    senderId: input.createdBy,
    clientMsgId: SYSTEM_CREATED_ID,
    ts: input.ts,
    kind: 'conversation.created',
    data: { type: input.kind, title: input.title, members: [...input.members] },
  };
}

/** Clamps an optional watermark into [0, max]; absent means 0 (no movement). */
function upperBound(value: number | undefined, max: number): number {
  return value === undefined ? 0 : Math.max(0, Math.min(value, max));
}

/**
 * The watermark rule, in one place for every store: a reported watermark is clamped to
 * [0, lastSeq] (absent means no movement) and a read counts as delivered. Stores raise what they
 * hold to these values and never lower it (`advanceWatermarks`, or `$max` on MongoDB).
 */
export function clampWatermarks(update: WatermarkUpdate, lastSeq: number): { deliveredSeq: number; readSeq: number } {
  const readSeq = upperBound(update.readSeq, lastSeq);
  return { deliveredSeq: Math.max(upperBound(update.deliveredSeq, lastSeq), readSeq), readSeq };
}

/** The key that makes a direct conversation unique: both user ids, sorted. */
export function directKeyOf(a: string, b: string): string {
  return [a, b].sort().join('\n');
}

/** Whether an event of this kind carries its `clientMsgId` on the wire: messages and changes (what a device sends). */
export function carriesClientMsgId(kind: LogEvent['kind']): boolean {
  return kind === 'message' || isChange({ kind });
}

/**
 * The event an append produces. Messages and changes carry their `clientMsgId` on the wire;
 * system events keep theirs in the store for dedup alone.
 */
export function toLogEvent(input: AppendInput, id: string, seq: number): LogEvent {
  // Field by field, not an object rest: this runs for every event stored and, in the memory
  // store, for every one read (an object rest cost more than the rest of the append).
  const { conversationId, senderId, ts, kind, data } = input;
  return (carriesClientMsgId(kind)
    ? { conversationId, senderId, ts, kind, data, clientMsgId: input.clientMsgId, id, seq }
    : { conversationId, senderId, ts, kind, data, id, seq }) as LogEvent;
}

/** The seq of the message a message quotes (`replyTo`), which `eraseMessage` must find by index. */
export function quoteSeqOf(event: LogEvent): number | null {
  return event.kind === 'message' && event.data.replyTo ? event.data.replyTo.seq : null;
}

export { laneOf };

/**
 * A message's `data` as stored: the wire's, plus `erased: true` once its content was erased. The
 * mark is for nodes of the previous release sharing the store during a rolling deploy: a field
 * they do not know on a message with no content makes them show it as nothing (their
 * placeholder) instead of an empty message. This release strips it before anything leaves the
 * server (`knownEvent`).
 */
export type StoredMessageData = MessageData & { erased?: true };

/**
 * What erasing the message at `messageSeq` leaves of an event (`ChatStore.eraseMessage`), or
 * null when the event keeps everything. One rule for every store.
 * - A delete (no `keepEditSeq`): the message keeps only its place (`thread`) and the `erased`
 *   mark, its edits only their target, and replies quoting it an empty preview.
 * - Superseded versions of an edited message (`keepEditSeq`: the seq of the edit whose content
 *   is current): the message loses its original text and custom data (mentions, quote and thread
 *   stay; `erased` is set) and earlier edits their content; the current edit and quoting replies are untouched.
 *   Folding an emptied edit only marks the message edited, so the log still folds to the current
 *   content.
 */
export function erasedEvent(event: LogEvent, messageSeq: number, keepEditSeq?: number): LogEvent | null {
  const versionsOnly = keepEditSeq !== undefined;
  if (event.kind === 'message' && event.seq === messageSeq) {
    const { text: _text, custom: _custom, ...kept } = event.data as StoredMessageData;
    const data: StoredMessageData = versionsOnly ? { ...kept, erased: true } : { ...(event.data.thread ? { thread: event.data.thread } : {}), erased: true };
    return JSON.stringify(event.data) === JSON.stringify(data) ? null : { ...event, data: data as MessageData };
  }
  // Edits and quoting replies: the protocol's rule (clients erase their caches with it too).
  if (versionsOnly && (event.kind !== 'message.edited' || event.seq >= keepEditSeq)) return null;
  const erased = erasedByDelete(event, messageSeq);
  return erased === event ? null : erased;
}

/** The event a change appends (`appendChange`): an edit's erasure flag is not part of it. */
export function changeEvent(input: ChangeInput): AppendInput {
  if (input.kind !== 'message.edited') return input;
  const { eraseReplaced: _eraseReplaced, ...event } = input;
  return event;
}

/**
 * The erasure `appendChange` makes with a message change whose event it just appended (`event`):
 * a delete erases its message, an edit with `eraseReplaced` the versions before it. Null for
 * group changes and for an edit that keeps them.
 */
export function changeErasure(input: ChangeInput, event: LogEvent): { messageSeq: number; keepEditSeq?: number } | null {
  if (event.kind === 'message.deleted') return { messageSeq: event.data.messageSeq };
  if (event.kind === 'message.edited' && input.kind === 'message.edited' && input.eraseReplaced) return { messageSeq: event.data.messageSeq, keepEditSeq: event.seq };
  return null;
}

/**
 * The event an append stores. `custom` is app JSON that every store keeps as JSON would (SQLite
 * and MongoDB hold it as JSON text): normalising it here, once, makes the memory store and the
 * event an append returns equal to what any later read gives back (`-0` becomes `0`, and the
 * caller's objects are not shared with the store).
 */
export function appendedEvent(input: AppendInput, id: string, seq: number): LogEvent {
  if (input.kind !== 'message' || input.data.custom === undefined) return toLogEvent(input, id, seq);
  const custom = JSON.parse(JSON.stringify(input.data.custom)) as Record<string, unknown>;
  return toLogEvent({ ...input, data: { ...input.data, custom } }, id, seq);
}

/**
 * The users whose unread-mention count this event can ever raise (`isUnreadMention` at a
 * watermark before it): what the stores index, so that counting is a range read, not a log scan.
 * The sender is never one of them: own messages never count.
 */
export function mentionedReaders(event: LogEvent): string[] {
  if (event.kind !== 'message') return [];
  return [...new Set(event.data.mentions ?? [])].filter((userId) => isUnreadMention(event, userId, event.seq - 1));
}

/**
 * Watermarks after an update: clamped to [0, lastSeq], never below the current ones, and a read
 * counts as delivered.
 */
export function advanceWatermarks(
  current: { deliveredSeq: number; readSeq: number },
  update: WatermarkUpdate,
  lastSeq: number,
): { deliveredSeq: number; readSeq: number } {
  const clamped = clampWatermarks(update, lastSeq);
  const readSeq = Math.max(current.readSeq, clamped.readSeq);
  return { deliveredSeq: Math.max(current.deliveredSeq, clamped.deliveredSeq, readSeq), readSeq };
}

/** Orders members longest-standing first (earliest `joinedAt`, then smallest user id): who inherits ownership. */
export function bySeniority(a: { joinedAt: number; userId: string }, b: { joinedAt: number; userId: string }): number {
  return a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** Settings after a patch: only the boolean fields named in it change. */
export function patchSettings(current: StoredUserSettings, patch: Partial<StoredUserSettings>): StoredUserSettings {
  const next = { ...current };
  for (const key of ['readReceipts', 'presence', 'lastSeen'] as const) {
    const value = patch[key];
    if (typeof value === 'boolean') next[key] = value;
  }
  if (isNotifyLevel(patch.notify)) next.notify = patch.notify;
  return next;
}

/** Whether `value` is a `StoredUserSettings.notify` (anything else leaves the setting as it is, as a non-boolean does the others). */
export function isNotifyLevel(value: unknown): value is StoredUserSettings['notify'] {
  return value === 'all' || value === 'mentions' || value === 'none';
}

/** One user's reaction with one key on one message, as a reaction index holds it: its latest add. */
export interface HeldReaction {
  key: string;
  userId: string;
  /** Seq of the `reaction.added` that put it there. */
  seq: number;
}

/**
 * A message's reaction groups from the reactions held on it (`ChatStore.readReactions`): users
 * in the order of their adds, keys in the order of their earliest add. One rule for every store.
 */
export function reactionGroups(held: readonly HeldReaction[]): ReactionGroup[] {
  const byKey = new Map<string, HeldReaction[]>();
  for (const reaction of [...held].sort((a, b) => a.seq - b.seq)) {
    const list = byKey.get(reaction.key);
    if (list) list.push(reaction);
    else byKey.set(reaction.key, [reaction]);
  }
  return [...byKey].map(([key, list]) => ({ key, userIds: list.map((r) => r.userId) }));
}

/** The register a reaction event sets: (message, key, user) held or not, as of its seq. */
export function reactionRegister(event: LogEvent): { messageSeq: number; key: string; userId: string; seq: number; held: boolean } | null {
  if (event.kind !== 'reaction.added' && event.kind !== 'reaction.removed') return null;
  return { messageSeq: event.data.messageSeq, key: event.data.key, userId: event.senderId, seq: event.seq, held: event.kind === 'reaction.added' };
}
