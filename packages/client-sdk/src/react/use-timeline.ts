import type { TimelineItem } from '@parley/client-sdk';
import { useChatStore } from './use-chat-store.js';
import { useMessages, type MessagesState } from './use-messages.js';

const NO_ITEMS: readonly TimelineItem[] = Object.freeze([]);

export interface TimelineState extends Omit<MessagesState, 'messages'> {
  /**
   * Messages and membership lines (`type: 'system'`: created, added, removed, left, ownership
   * passed on) by seq, then the user's own pending and failed messages.
   */
  readonly items: readonly TimelineItem[];
}

/**
 * One conversation's timeline as a chat screen draws it: `useMessages` with the membership
 * changes between the messages (`chat.getTimeline`), and the same paging back through history.
 *
 * @example
 * const { items, hasOlder, loadOlder } = useTimeline(conversationId);
 * items.map((item) => (item.type === 'system' ? <SystemLine key={item.key} item={item} /> : <Bubble key={item.key} message={item} />));
 */
export function useTimeline(conversationId: string | null | undefined, options: { pageSize?: number } = {}): TimelineState {
  // Paging, watching and errors are the messages' own: the timeline only adds the lines between them.
  const { messages: _messages, ...paging } = useMessages(conversationId, options);
  const items = useChatStore((_s, client) => (client && conversationId ? client.getTimeline(conversationId) : NO_ITEMS));
  return { ...paging, items };
}
