import type { LogEvent } from '@parley/protocol';
import type { ChatState } from './chat-state.js';
import type { ConversationState } from './conversation-state.js';

/**
 * A conversation as held plus the messages of its open window (`loadAround`), for finding a
 * message the user acts on (edit, delete, react) wherever it is shown. Never stored: the
 * cache's own events stay gap-free.
 */
export function withWindowEvents(state: Pick<ChatState, 'conversations' | 'windows'>, conversationId: string): ConversationState | undefined {
  const conv = state.conversations.get(conversationId);
  const window = state.windows.get(conversationId);
  if (!window || !conv) return conv;
  const bySeq = new Map<number, LogEvent>();
  for (const event of window.events) bySeq.set(event.seq, event);
  for (const event of conv.events) bySeq.set(event.seq, event);
  return { ...conv, events: [...bySeq.values()].sort((a, b) => a.seq - b.seq) };
}
