import { foldTarget, type LogEvent, type MessageEvent } from '@parley/protocol';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { MessageView } from '../types.js';
import type { ConversationState } from './conversation-state.js';
import { eventsAddedSince } from './conversation-state.js';
import { namesMessage } from './change-events.js';
import { heldView, messageFromEntry, type LaneContext } from './message-views.js';
import type { ReceiptStatus } from './receipts.js';
import { firstViewAbove, receiptMarks, sameItems, sameMarks, sameShownEntry, statusAt, type ReceiptMarks } from './lane-compare.js';

/**
 * One lane's message list kept up to date as states come, instead of derived from scratch: the
 * result is what `buildMessages` / `buildThread` give for the same inputs, but an event touching
 * one message costs about the same whatever the conversation's length, and every message whose
 * view did not change keeps its object (memoized rows do not re-render).
 *
 * It leans on `eventsAddedSince`: when the held log only grew at its end, only the new messages
 * and the messages the new events fold into (and own messages whose receipt moved) are derived
 * again. Anything else (a page below, a delete erasing a held message, another user, a queued
 * change) walks the whole log again, still reusing every view whose inputs are the same.
 */
export type LaneBuilder = (
  conv: ConversationState | undefined,
  entries: readonly OutboxEntry[],
  userId: string | null,
  context: LaneContext,
) => readonly MessageView[];

/** A held message's view and what it was derived from. */
interface HeldMemo {
  readonly event: MessageEvent;
  readonly folds: readonly LogEvent[] | undefined;
  readonly changes: readonly OutboxEntry[];
  /** Its aggregate receipt status, for an own message. */
  readonly status: ReceiptStatus | undefined;
  readonly view: MessageView;
}

/** A pending message's view and what it was derived from. */
interface PendingMemo {
  readonly entry: OutboxEntry;
  readonly changes: readonly OutboxEntry[];
  readonly progress: readonly unknown[];
  /** The log it read its quote from; only compared when the entry's draft does not say it all. */
  readonly events: readonly LogEvent[];
  readonly view: MessageView;
}

interface Lane {
  readonly events: readonly LogEvent[];
  readonly userId: string | null;
  readonly editWindowMs: number | undefined;
  readonly marks: ReceiptMarks;
  readonly changes: readonly OutboxEntry[];
  /** Held events by the message they fold into; the lists are replaced, never changed. */
  readonly index: Map<string, readonly LogEvent[]>;
  /** Own messages in the log (any lane), by clientMsgId: their outbox entries show as sent. */
  readonly confirmed: Set<string>;
  /** The lane's held messages in seq order, and where each one is by id. */
  readonly held: readonly MessageView[];
  readonly position: Map<string, number>;
  readonly memo: Map<string, HeldMemo>;
  readonly pending: Map<string, PendingMemo>;
  readonly pendingViews: readonly MessageView[];
  readonly value: readonly MessageView[];
}

const NONE: readonly never[] = Object.freeze([]);

const knownQuote = (entry: OutboxEntry) =>
  entry.replyTo === undefined || (entry.replyTo.seq !== undefined && entry.replyTo.senderId !== undefined && entry.replyTo.preview !== undefined);

export function createLaneBuilder(inLane: (threadId: string | undefined) => boolean): LaneBuilder {
  let lane: Lane | undefined;

  return (conv, entries, userId, context) => {
    const events = conv?.events ?? NONE;
    const changes = entries.filter((e) => e.change !== undefined);
    const marks = receiptMarks(context.receipts, userId);
    const before = lane;
    // Views are reused for the same user and edit window; the lane is carried on if the queued changes are the same too.
    const sameContext = before !== undefined && before.userId === userId && before.editWindowMs === context.editWindowMs;
    const same = sameContext && sameItems(before.changes, changes, sameShownEntry);
    const added = same ? eventsAddedSince(before.events, events) : undefined;
    lane = undefined;

    const memo = sameContext ? before.memo : new Map<string, HeldMemo>();
    const viewOf = (event: MessageEvent, index: ReadonlyMap<string, readonly LogEvent[]>, into: Map<string, HeldMemo>): MessageView => {
      const folds = index.get(event.id);
      const mine = changes.length === 0 ? NONE : changes.filter((c) => c.change !== undefined && namesMessage(c.change.target, event, userId));
      const status = event.senderId === userId ? statusAt(marks, event.seq) : undefined;
      const old = memo.get(event.id);
      const reusable = old !== undefined && old.event === event && old.status === status && sameItems(old.folds ?? NONE, folds ?? NONE) &&
        sameItems(old.changes, mine, sameShownEntry);
      const view = reusable ? old.view : heldView(event, index, mine, userId, context);
      into.set(event.id, reusable ? old : { event, folds, changes: mine, status, view });
      return view;
    };

    let held: readonly MessageView[];
    let index: Map<string, readonly LogEvent[]>;
    let confirmed: Set<string>;
    let position: Map<string, number>;
    let nextMemo: Map<string, HeldMemo>;

    if (added !== undefined && before !== undefined) {
      ({ index, confirmed, position } = before);
      nextMemo = before.memo;
      const dirty = new Set<string>();
      const arrived: MessageEvent[] = [];
      for (const event of added) {
        const target = foldTarget(event);
        if (target) {
          index.set(target.messageId, [...(index.get(target.messageId) ?? NONE), event]);
          if (position.has(target.messageId)) dirty.add(target.messageId);
        }
        if (event.kind !== 'message') continue;
        if (event.senderId === userId) confirmed.add(event.clientMsgId);
        if (inLane(event.data.thread?.messageId)) arrived.push(event);
      }
      // Own messages whose aggregate receipt may have moved: those between the old and new marks.
      if (!sameMarks(before.marks, marks)) {
        for (const [a, b] of [[before.marks.delivered, marks.delivered], [before.marks.read, marks.read]] as const) {
          const [lo, hi] = a < b ? [a, b] : [b, a];
          for (let i = firstViewAbove(before.held, lo); i < before.held.length && (before.held[i]?.seq ?? 0) <= hi; i += 1) {
            const view = before.held[i];
            if (view?.senderId === userId && view.id !== undefined) dirty.add(view.id);
          }
        }
      }
      let copy: MessageView[] | null = null;
      for (const id of dirty) {
        const at = position.get(id);
        const old = at === undefined ? undefined : nextMemo.get(id);
        if (at === undefined || !old) continue;
        const view = viewOf(old.event, index, nextMemo);
        if (view !== before.held[at]) (copy ??= before.held.slice())[at] = view;
      }
      for (const event of arrived) {
        copy ??= before.held.slice();
        position.set(event.id, copy.length);
        copy.push(viewOf(event, index, nextMemo));
      }
      held = copy ?? before.held;
    } else {
      index = new Map();
      for (const event of events) {
        const target = foldTarget(event);
        if (target) index.set(target.messageId, [...(index.get(target.messageId) ?? NONE), event]);
      }
      confirmed = new Set();
      position = new Map();
      nextMemo = new Map();
      const list: MessageView[] = [];
      for (const event of events) {
        if (event.kind !== 'message') continue;
        if (event.senderId === userId) confirmed.add(event.clientMsgId);
        if (!inLane(event.data.thread?.messageId)) continue;
        position.set(event.id, list.length);
        list.push(viewOf(event, index, nextMemo));
      }
      held = list;
    }

    // The user's pending and failed messages, after the held ones.
    const pending = new Map<string, PendingMemo>();
    const pendingViews: MessageView[] = [];
    for (const entry of entries) {
      if (entry.change || confirmed.has(entry.clientMsgId) || !inLane(entry.threadId)) continue;
      const mine = changes.filter((c) => c.change !== undefined && 'clientMsgId' in c.change.target && c.change.target.clientMsgId === entry.clientMsgId);
      const progress = (entry.attachments ?? NONE).map((f) => (f.uploaded ? true : context.uploads?.get(f.localId)));
      const old = sameContext ? before.pending.get(entry.clientMsgId) : undefined;
      const reusable = old !== undefined && sameShownEntry(old.entry, entry) && sameItems(old.changes, mine, sameShownEntry) &&
        sameItems(old.progress, progress) && (knownQuote(entry) || old.events === events);
      const view = reusable ? old.view : messageFromEntry(entry, userId, conv, mine, context.uploads);
      pending.set(entry.clientMsgId, { entry, changes: mine, progress, events, view });
      pendingViews.push(view);
    }

    const unchanged = before !== undefined && held === before.held && sameItems(pendingViews, before.pendingViews);
    const value = unchanged ? before.value : Object.freeze([...held, ...pendingViews]);
    lane = {
      events, userId, editWindowMs: context.editWindowMs, marks, changes, index, confirmed, held, position, memo: nextMemo, pending,
      pendingViews: unchanged ? before.pendingViews : pendingViews, value,
    };
    return value;
  };
}
