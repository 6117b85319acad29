import { messageAsOf, type ChangeKind, type LogEvent, type MessageEvent } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import type { Logger } from '../logger.js';

/**
 * A page of one lane (the main timeline, lane 0, or a thread, lane -rootSeq) with its messages
 * as they are at `throughSeq`: each folded with the changes that target it (`messageAsOf`, the
 * protocol's one rule) and given its thread's reply count. `throughSeq` is the conversation's
 * lastSeq read before the page, so the state is exactly the log up to it: a client then folds
 * only what comes after (`state.asOfSeq`).
 *
 * Costs four indexed reads whatever the log holds: the lane's page, the edits and deletes of its
 * messages, their reactions (the store's index), the reply counts of its roots. A message's
 * reactions may include changes after `throughSeq` (see `readReactions`): clients fold them as
 * sets, so counting one twice changes nothing.
 */
export async function lanePage(
  store: ChatStore,
  logger: Logger,
  conversationId: string,
  lane: number,
  beforeSeq: number,
  limit: number,
  throughSeq: number,
): Promise<LogEvent[]> {
  const events = await store.readLane(conversationId, lane, Math.min(beforeSeq, throughSeq + 1), limit);
  return foldMessages(store, logger, conversationId, events, throughSeq);
}

/** "Every change stored so far" as a `throughSeq`. */
export const STORED_SO_FAR = Number.MAX_SAFE_INTEGER;

/** The first protocol whose clients fold changes themselves (message state, `asOfSeq`). */
const FOLDING_CLIENTS = 5;

/**
 * How far a page for a client of `protocol` is folded. Protocol 5 clients fold what comes after
 * `lastSeq` (the conversation's, read before the page) themselves. Older ones cannot apply a
 * change at all (they get it as a placeholder), and an edit stored while the page was read has
 * erased the original already: they get each message with every change stored so far.
 */
export function foldPointFor(protocol: number, lastSeq: number): number {
  return protocol < FOLDING_CLIENTS ? STORED_SO_FAR : lastSeq;
}

/** Whether a client of `protocol` takes raw log events and folds them itself. */
export const foldsItself = (protocol: number): boolean => protocol >= FOLDING_CLIENTS;

/** Folds the messages among `events` as of `throughSeq` (other events pass through). */
export async function foldMessages(
  store: ChatStore,
  logger: Logger,
  conversationId: string,
  events: LogEvent[],
  throughSeq: number,
): Promise<LogEvent[]> {
  const messageSeqs = events.filter((e) => e.kind === 'message').map((e) => e.seq);
  if (messageSeqs.length === 0) return events;
  // Thread replies are never roots (threads are one level deep): only timeline messages have replies.
  const roots = events.filter((e) => e.kind === 'message' && e.data.thread === undefined).map((e) => e.seq);
  // Edits and deletes are few and folded event by event; reactions are many, and come from the
  // store's reaction index as sets (readReactions), so a page costs the same however many
  // reactions its messages hold.
  const [changes, reactions, replies] = await Promise.all([
    store.readChanges(conversationId, messageSeqs, throughSeq, { kinds: EDITS_AND_DELETES }),
    store.readReactions(conversationId, messageSeqs, throughSeq),
    roots.length > 0 ? store.countReplies(conversationId, roots, throughSeq) : Promise.resolve(new Map<number, { count: number; lastReplyAt: number }>()),
  ]);
  const byTarget = new Map<number, LogEvent[]>();
  for (const change of changes) {
    if (!('messageSeq' in change.data)) continue;
    const list = byTarget.get(change.data.messageSeq);
    if (list) list.push(change);
    else byTarget.set(change.data.messageSeq, [change]);
  }
  return events.map((event) => {
    if (event.kind !== 'message') return event;
    const folded = messageAsOf(event, byTarget.get(event.seq) ?? [], throughSeq);
    if (folded.state?.deleted && hasContent(event)) repairErasure(store, logger, event);
    const held = folded.state?.deleted ? undefined : reactions.get(event.seq);
    const thread = replies.get(event.seq);
    return {
      ...folded,
      state: {
        ...folded.state!,
        ...(held ? { reactions: held } : {}),
        ...(thread ? { replyCount: thread.count, lastReplyAt: thread.lastReplyAt } : {}),
      },
    };
  });
}

const EDITS_AND_DELETES: readonly ChangeKind[] = ['message.edited', 'message.deleted'];

/** Whether a message still holds content (not erased by a delete or by an edit's erasure). */
export const hasContent = (m: MessageEvent): boolean => m.data.text !== undefined || m.data.custom !== undefined;

/**
 * A deleted message read with its content still stored: the node that stored the delete stopped
 * before erasing it (and no retry came). Readers never show it (the fold erases it); this
 * finishes the erasure in the store, in the background.
 */
function repairErasure(store: ChatStore, logger: Logger, message: MessageEvent): void {
  store.eraseMessage(message.conversationId, message.seq).catch((err: unknown) => {
    logger.warn('could not erase a deleted message', { conversationId: message.conversationId, seq: message.seq, err });
  });
}
