import { erasedByDelete, foldIntoMessage, foldTarget, stateSeq, type LogEvent, type MessageEvent } from '@parley/protocol';

/**
 * How the client folds what it holds into messages as they are now. The rule itself is the
 * protocol's (`foldIntoMessage`, the one the server uses for history); this file only decides
 * which held events go into which message, and keeps the held copies honest (newer folds replace
 * older ones, deleted content is erased).
 */

/** Held events by the message they fold into (a change's target, a thread reply's root), in seq order. */
export type FoldIndex = ReadonlyMap<string, readonly LogEvent[]>;

export function foldIndex(events: readonly LogEvent[]): FoldIndex {
  const index = new Map<string, LogEvent[]>();
  for (const event of events) {
    const target = foldTarget(event);
    if (!target) continue;
    const list = index.get(target.messageId);
    if (list) list.push(event);
    else index.set(target.messageId, [event]);
  }
  return index;
}

/**
 * A held message with every held event targeting it folded in, in seq order. The rule skips what
 * the message's `state` already holds, so a history page and the events around it never apply a
 * change twice, and a change held before its message folds once the message arrives.
 */
export function foldedMessage(message: MessageEvent, index: FoldIndex): MessageEvent {
  const events = index.get(message.id);
  return events ? events.reduce(foldIntoMessage, message) : message;
}

/** What the erasure of message `messageSeq` leaves of a held event: the protocol's rule, the one the stores apply. */
export const erasedCopy = erasedByDelete;

/** Seqs of the held messages that are deleted: by a held delete, or by the state a page brought. */
function deletedSeqs(events: readonly LogEvent[]): Set<number> {
  const seqs = new Set<number>();
  for (const event of events) {
    if (event.kind === 'message.deleted') seqs.add(event.data.messageSeq);
    else if (event.kind === 'message' && event.state?.deleted) seqs.add(event.seq);
  }
  return seqs;
}

/** The held events with every deleted message's content erased; the same array when none needed it. */
export function eraseDeleted(events: readonly LogEvent[]): readonly LogEvent[] {
  const deleted = deletedSeqs(events);
  if (deleted.size === 0) return events;
  let out: LogEvent[] | null = null;
  events.forEach((event, i) => {
    let copy = event;
    if (event.kind === 'message' && deleted.has(event.seq)) copy = erasedCopy(copy, event.seq);
    if (event.kind === 'message.edited' && deleted.has(event.data.messageSeq)) copy = erasedCopy(copy, event.data.messageSeq);
    const quoted = event.kind === 'message' ? event.data.replyTo?.seq : undefined;
    if (quoted !== undefined && deleted.has(quoted)) copy = erasedCopy(copy, quoted);
    if (copy !== event) (out ??= events.slice())[i] = copy;
  });
  return out ?? events;
}

/**
 * Whether `incoming` should replace the held event at its seq: the log never changes, but a
 * message may come again folded further (a history page, a cold-sync tail): the later fold wins.
 */
export function replaces(held: LogEvent, incoming: LogEvent): boolean {
  return held.kind === 'message' && incoming.kind === 'message' && stateSeq(incoming) > stateSeq(held);
}
