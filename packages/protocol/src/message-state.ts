import type { ChangeEvent, LogEvent, MessageData, MessageEvent, MessageRef, MessageState, ReactionGroup } from './event.js';

/**
 * The one fold of Parley's message model, used by the server (history pages, cold-sync tails)
 * and by clients (their views): a message plus the events that target it gives the message as
 * it is now. Changes are LWW by seq: each is applied at most once, in seq order, and only when
 * its seq is above the message's `state.asOfSeq` (or its own seq when it has no state yet).
 */

const CHANGE_KINDS: ReadonlySet<string> = new Set(['message.edited', 'message.deleted', 'reaction.added', 'reaction.removed']);

/** Whether an event changes another message (an edit, a delete, a reaction added or taken back). */
export function isChange(event: Pick<LogEvent, 'kind'>): event is ChangeEvent {
  return CHANGE_KINDS.has(event.kind);
}

/**
 * The message an event is folded into: a change's target, or a thread reply's root. `null` for
 * events of the main timeline (top-level messages, membership events).
 */
export function foldTarget(event: LogEvent): MessageRef | null {
  if (isChange(event)) return { messageId: event.data.messageId, seq: event.data.messageSeq };
  if (event.kind === 'message' && event.data.thread) return event.data.thread;
  return null;
}

/**
 * The lane an event is listed in by history: 0 for the main timeline, the root's seq negated for
 * a thread reply, the target's seq for a change. Stores index events by (conversation, lane, seq).
 */
export function laneOf(event: LogEvent): number {
  if (isChange(event)) return event.data.messageSeq;
  if (event.kind === 'message' && event.data.thread) return -event.data.thread.seq;
  return 0;
}

/** Up to which seq a message's state is folded: its `state.asOfSeq`, or its own seq. */
export function stateSeq(message: MessageEvent): number {
  return message.state?.asOfSeq ?? message.seq;
}

function withReaction(groups: readonly ReactionGroup[], key: string, userId: string, on: boolean): ReactionGroup[] {
  const index = groups.findIndex((g) => g.key === key);
  const group = groups[index];
  if (on) {
    if (group?.userIds.includes(userId)) return groups as ReactionGroup[];
    if (!group) return [...groups, { key, userIds: [userId] }];
    const next = groups.slice();
    next[index] = { key, userIds: [...group.userIds, userId] };
    return next;
  }
  if (!group?.userIds.includes(userId)) return groups as ReactionGroup[];
  const userIds = group.userIds.filter((u) => u !== userId);
  return userIds.length > 0 ? groups.map((g, i) => (i === index ? { key, userIds } : g)) : groups.filter((_, i) => i !== index);
}

/** What a deleted message keeps: only where it sits (its thread). */
function erased(data: MessageData): MessageData {
  return data.thread ? { thread: data.thread } : {};
}

/**
 * Folds one event into a message: a change targeting it (edit, delete, reaction) or a thread
 * reply whose root it is. Returns the same object when the event does not apply (another target,
 * a seq at or below the message's state, an edit or reaction after a delete), so callers can
 * fold any stream of events in seq order and compare by identity.
 *
 * @example
 * const now = events.reduce(foldIntoMessage, message);
 */
export function foldIntoMessage(message: MessageEvent, event: LogEvent): MessageEvent {
  if (event.seq <= stateSeq(message) || event.conversationId !== message.conversationId) return message;
  const target = foldTarget(event);
  if (!target || target.seq !== message.seq || target.messageId !== message.id) return message;
  const state: MessageState = { ...message.state, asOfSeq: event.seq };
  const deleted = state.deleted !== undefined;
  switch (event.kind) {
    case 'message': {
      state.replyCount = (state.replyCount ?? 0) + 1;
      // The newest reply by seq (what stores report too), not the largest clock value.
      state.lastReplyAt = event.ts;
      return { ...message, state };
    }
    case 'message.edited': {
      if (deleted) return { ...message, state };
      const { text, custom } = event.data;
      state.editedAt = event.ts;
      // An edit without content is a superseded version the server erased: a later edit (or, in
      // a folded page, the message itself) holds the content, so only the mark changes.
      if (text === undefined && custom === undefined) return { ...message, state };
      const { text: _t, custom: _c, ...kept } = message.data;
      return {
        ...message,
        data: { ...kept, ...(text !== undefined ? { text } : {}), ...(custom !== undefined ? { custom } : {}) },
        state,
      };
    }
    case 'message.deleted': {
      if (deleted) return { ...message, state };
      const { reactions: _r, editedAt: _e, ...rest } = state;
      return { ...message, data: erased(message.data), state: { ...rest, deleted: { by: event.senderId, at: event.ts } } };
    }
    case 'reaction.added':
    case 'reaction.removed': {
      if (deleted) return { ...message, state };
      const reactions = withReaction(state.reactions ?? [], event.data.key, event.senderId, event.kind === 'reaction.added');
      if (reactions.length > 0) state.reactions = reactions;
      else delete state.reactions;
      return { ...message, state };
    }
    default:
      return message;
  }
}

/**
 * A message as it is at `asOfSeq`: `events` are the events targeting it (any order, any extra
 * ones are ignored) up to that seq. The result's `state.asOfSeq` is `asOfSeq` even when nothing
 * changed it, which is what lets a client skip, later, the changes this fold already holds.
 */
export function messageAsOf(message: MessageEvent, events: readonly LogEvent[], asOfSeq: number): MessageEvent {
  const sorted = events.filter((e) => e.seq <= asOfSeq).sort((a, b) => a.seq - b.seq);
  let folded = sorted.reduce(foldIntoMessage, message);
  if (!folded.state || folded.state.asOfSeq < asOfSeq) folded = { ...folded, state: { ...folded.state, asOfSeq: Math.max(asOfSeq, stateSeq(folded)) } };
  return folded;
}

/** The reactions a user holds on a message (what `Limits.maxReactionsPerUser` counts). */
export function reactionsOf(message: MessageEvent, userId: string): string[] {
  return (message.state?.reactions ?? []).filter((g) => g.userIds.includes(userId)).map((g) => g.key);
}

/**
 * What deleting the message at `messageSeq` leaves of an event of its conversation, or the same
 * event when it keeps everything: the message keeps only its place (`thread`), its edits only
 * their target, replies quoting it an empty preview. Stores erase their copy this way (adding
 * their own mark) and clients their cache, so neither keeps more of a deleted message than the
 * other.
 */
export function erasedByDelete(event: LogEvent, messageSeq: number): LogEvent {
  if (event.kind === 'message' && event.seq === messageSeq) {
    const { thread } = event.data;
    const kept = thread ? { thread } : {};
    return Object.keys(event.data).length === Object.keys(kept).length ? event : { ...event, data: kept };
  }
  if (event.kind === 'message.edited' && event.data.messageSeq === messageSeq) {
    if (event.data.text === undefined && event.data.custom === undefined) return event;
    return { ...event, data: { messageId: event.data.messageId, messageSeq } };
  }
  if (event.kind === 'message' && event.data.replyTo?.seq === messageSeq && event.data.replyTo.preview !== '') {
    return { ...event, data: { ...event.data, replyTo: { ...event.data.replyTo, preview: '' } } };
  }
  return event;
}
