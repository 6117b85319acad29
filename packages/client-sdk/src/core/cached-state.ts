import type { LogEvent } from '@parley/protocol';
import type { ClientStorage } from '../storage/client-storage.js';
import type { ChatState } from '../state/chat-state.js';
import { applyServerSummary, emptyConversation, firstIndexAbove, type ConversationState } from '../state/conversation-state.js';
import { findEntry, putEntry, type Outbox } from '../state/outbox.js';

/** What storage holds of a client's state: shown at start, before (or without) a connection. */
export interface CachedState {
  readonly userId: string | null;
  readonly conversations: ReadonlyMap<string, ConversationState>;
  readonly outbox: Outbox;
  /** The block list the server last sent (null: never read). */
  readonly blocks: readonly string[] | null;
}

/** The meta key under which the block list is kept (JSON), so a cold start offline knows it. */
export const BLOCKS_KEY = 'blocks';

/** A stored block list, or null when none (or one this release cannot read). */
function parseBlocks(raw: string | undefined): readonly string[] | null {
  if (raw === undefined) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) && value.every((id) => typeof id === 'string') ? Object.freeze(value as string[]) : null;
  } catch {
    return null;
  }
}

/** Reads the outbox, the conversation cache, the last signed-in user and their block list. */
export async function loadCachedState(storage: ClientStorage, pageSize: number): Promise<CachedState> {
  const [outbox, conversations, userId, blocks] = await Promise.all([
    storage.outbox.list(),
    loadCachedConversations(storage, pageSize),
    storage.meta.get('userId'),
    storage.meta.get(BLOCKS_KEY),
  ]);
  return { outbox, conversations, userId: userId ?? null, blocks: parseBlocks(blocks) };
}

/**
 * A state with the cache under it: what arrived meanwhile wins, and the last user is known before
 * any welcome, so a cold start offline shows own messages as own. The outbox is the stored one
 * plus any entry the state holds that storage did not list yet: an entry another tab stored and
 * handed over while this one read storage (a new leading tab) must not be dropped here, since
 * dropping it from the state deletes it from storage too (`forgetSettled`). An entry already
 * settled elsewhere that comes back this way is sent again and answered as a duplicate.
 */
export function withCached(state: ChatState, cached: CachedState): ChatState {
  let outbox = cached.outbox;
  for (const entry of state.outbox) if (!findEntry(outbox, entry.clientMsgId)) outbox = putEntry(outbox, entry);
  return {
    ...state,
    userId: state.userId ?? cached.userId,
    blocks: state.blocks ?? cached.blocks,
    conversations: new Map([...cached.conversations, ...state.conversations]),
    outbox,
  };
}

/** Rebuilds the conversation cache from storage at start-up. */
export async function loadCachedConversations(
  storage: ClientStorage,
  pageSize: number,
): Promise<Map<string, ConversationState>> {
  const [summaries, cursors] = await Promise.all([storage.conversations.list(), storage.cursors.list()]);
  const conversations = new Map<string, ConversationState>();
  for (const summary of summaries) {
    const cursor = cursors[summary.id];
    const [events, from] = await Promise.all([
      storage.events.list(summary.id, cursor === undefined ? { limit: pageSize } : { beforeSeq: cursor + 1, limit: pageSize }),
      storage.meta.get(timelineKey(summary.id)),
    ]);
    const conv = { ...emptyConversation(summary.id), cursor: cursor ?? null, ...placed(events, cursor, from === undefined ? undefined : Number(from)) };
    conversations.set(summary.id, applyServerSummary(conv, summary));
  }
  return conversations;
}

/** The meta key under which a conversation's `timelineFrom` is kept. */
export function timelineKey(conversationId: string): string {
  return `timeline:${conversationId}`;
}

/**
 * The cached events a conversation starts from, and from where its timeline is held. Past the
 * cursor only sync is trusted; without one, events placed from seq 1 still count. With a recorded
 * `timelineFrom`, the cache holds the timeline complete from there (holes are changes and other
 * lanes, folded into the messages), and the newest cached events read are complete from the
 * first of them; without one (a cache of a release before protocol 5: a raw log), only the run
 * without a hole up to the cursor is.
 */
function placed(events: readonly LogEvent[], cursor: number | undefined, from: number | undefined): Pick<ConversationState, 'events' | 'timelineFrom'> {
  if (cursor === undefined) return { events, timelineFrom: events[0]?.seq === 1 ? 1 : null };
  const upTo = events.slice(0, firstIndexAbove(events, cursor));
  if (from !== undefined && Number.isInteger(from) && from >= 1 && from <= cursor + 1 && upTo.length > 0) {
    const start = Math.max(from, upTo[0]?.seq ?? from);
    return { events: upTo.filter((e) => e.seq >= start), timelineFrom: start };
  }
  const run = runEndingAt(upTo, cursor);
  return { events: run, timelineFrom: run[0]?.seq ?? null };
}

/**
 * The events that run without a hole up to `cursor`. A bounded cache evicts old events and whole
 * conversations, so what is left below a hole (or short of the cursor) could never be completed
 * by a gap fill: it is dropped, and `loadOlder` brings that history back from the server.
 */
function runEndingAt(events: readonly LogEvent[], cursor: number): LogEvent[] {
  let start = events.length;
  while (start > 0 && events[start - 1]?.seq === cursor - (events.length - start)) start -= 1;
  return events.slice(start);
}
