import { useMemo } from 'react';
import type { ConversationView } from '@parley/client-sdk';
import { useChatStore } from './use-chat-store.js';

export interface ConversationsState {
  /** Newest activity first, each with its unread count. */
  readonly conversations: readonly ConversationView[];
  /** Unread messages over all conversations: for a tab title or an app badge. */
  readonly totalUnread: number;
  /** Unread messages that mention the user, over all conversations (each item has its `unreadMentions`). */
  readonly totalUnreadMentions: number;
}

/**
 * The conversation list with unread counts (and unread mentions: `c.unreadMentions`).
 *
 * @example
 * const { conversations, totalUnread } = useConversations();
 * conversations.map((c) => <Row key={c.id} title={c.title ?? c.members.join(', ')} unread={c.unread} mentioned={c.unreadMentions > 0} />);
 */
export function useConversations(): ConversationsState {
  const conversations = useChatStore((s) => s.conversations);
  return useMemo(
    () => ({
      conversations,
      totalUnread: conversations.reduce((sum, c) => sum + c.unread, 0),
      totalUnreadMentions: conversations.reduce((sum, c) => sum + c.unreadMentions, 0),
    }),
    [conversations],
  );
}

/**
 * One conversation's summary (members, title, unread, `hasOlder`), or `undefined` until known.
 *
 * @example
 * const conversation = useConversation(id);
 * return <h2>{conversation?.title ?? 'Direct chat'}</h2>;
 */
export function useConversation(conversationId: string | null | undefined): ConversationView | undefined {
  return useChatStore((s) => (conversationId ? s.conversations.find((c) => c.id === conversationId) : undefined));
}
