import type { LogEvent } from '@parley/protocol';
import type { ClientStorage } from '../storage/client-storage.js';
import type { ChatState } from '../state/chat-state.js';
import { applyServerSummary, emptyConversation, firstIndexAbove, type ConversationState } from '../state/conversation-state.js';
import type { Outbox } from '../state/outbox.js';

/** What storage holds of a client's state: shown at start, before (or without) a connection. */
export interface CachedState {
  readonly userId: string | null;
  readonly conversations: ReadonlyMap<string, ConversationState>;
  readonly outbox: Outbox;
}

/** Reads the outbox, the conversation cache and the last signed-in user. */
export async function loadCachedState(storage: ClientStorage, pageSize: number): Promise<CachedState> {
  const [outbox, conversations, userId] = await Promise.all([
    storage.outbox.list(),
    loadCachedConversations(storage, pageSize),
    storage.meta.get('userId'),
  ]);
  return { outbox, conversations, userId: userId ?? null };
}

/**
 * A state with the cache under it: what arrived meanwhile wins, and the last user is known before
 * any welcome, so a cold start offline shows own messages as own.
 */
export function withCached(state: ChatState, cached: CachedState): ChatState {
  return {
    ...state,
    userId: state.userId ?? cached.userId,
    conversations: new Map([...cached.conversations, ...state.conversations]),
    outbox: cached.outbox,
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
    const events = await storage.events.list(summary.id, cursor === undefined ? { limit: pageSize } : { beforeSeq: cursor + 1, limit: pageSize });
    // Past the cursor only sync is trusted; without one, events placed from seq 1 still count.
    const kept = cursor === undefined ? events : runEndingAt(events.slice(0, firstIndexAbove(events, cursor)), cursor);
    const conv = { ...emptyConversation(summary.id), cursor: cursor ?? null, events: kept };
    conversations.set(summary.id, applyServerSummary(conv, summary));
  }
  return conversations;
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
