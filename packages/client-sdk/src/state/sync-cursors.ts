import type { ConversationCursor, SyncFrame } from '@parley/protocol';
import type { ChatState } from './chat-state.js';
import type { ConversationState } from './conversation-state.js';
import { receiptsCursor, summaryReceipts } from './receipts.js';

type SyncCursor = SyncFrame['cursors'][number];
type Held = ConversationState & { cursor: number; server: NonNullable<ConversationState['server']> };

/** Conversations the client holds a log position and a summary for: the ones a sync can name. */
function held(state: ChatState): Held[] {
  return [...state.conversations.values()].filter((c): c is Held => c.cursor !== null && c.server !== null);
}

function cursorOf(conv: Held): SyncCursor {
  // The read position and receipts held let the server return what moved while we were away.
  const cursor: SyncCursor = { conversationId: conv.id, seq: conv.cursor, readSeq: conv.readSeq };
  if (summaryReceipts(conv.server).length > 0) cursor.receipts = receiptsCursor(conv.receipts);
  return cursor;
}

/** The server's list position of a held conversation, as far as the client knows it. */
function positionOf(conv: Held): ConversationCursor {
  return { lastActivityAt: conv.summary?.lastActivityAt ?? conv.server.lastActivityAt, conversationId: conv.id };
}

/** The list order (newest activity first, then id), as the server walks it. */
function compare(a: ConversationCursor, b: ConversationCursor): number {
  return b.lastActivityAt - a.lastActivityAt || (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0);
}

/** Held conversations whose log the server has past the client's position: their events are still to come. */
const isBehind = (conv: Held) => conv.server.lastSeq > conv.cursor;

/**
 * The cursors for the next page of a full sync that is walking the list from `after`: first the
 * conversations still behind, then the held ones the walk reaches next, in its order, so that the
 * server's page finds them named and sends only what changed instead of their summary and tail.
 */
export function walkCursors(state: ChatState, after: ConversationCursor | undefined, limit: number): SyncCursor[] {
  const convs = held(state);
  const behind = convs.filter(isBehind);
  const ahead = convs
    .filter((c) => !isBehind(c) && (!after || compare(after, positionOf(c)) < 0))
    .sort((a, b) => compare(positionOf(a), positionOf(b)));
  return [...behind, ...ahead].slice(0, limit).map(cursorOf);
}

/**
 * After the walk: the held conversations no page named (the server no longer lists them: left,
 * or moved in the list), and those still behind, so the server confirms or removes each.
 */
export function leftoverCursors(state: ChatState, named: ReadonlySet<string>, limit: number): SyncCursor[] {
  const convs = held(state);
  const behind = convs.filter(isBehind);
  const unnamed = convs.filter((c) => !isBehind(c) && !named.has(c.id));
  return [...behind, ...unnamed].slice(0, limit).map(cursorOf);
}
