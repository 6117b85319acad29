import { useMemo } from 'react';
import type { ChatClient } from '@parley/client-sdk';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

/** One member's status for one message (the client's `getReceipts` entries). */
export type MemberReceiptStatus = ReturnType<ChatClient['getReceipts']>[number];

const NONE: readonly MemberReceiptStatus[] = Object.freeze([]);

/**
 * Each other member's status (`sent`, `delivered`, `read`) for one of the user's own messages:
 * the "seen by" list of a group message. The message's own `receipt` field is the summary tick.
 *
 * @example
 * const receipts = useReceipts(id, message.seq);
 * const seenBy = receipts.filter((r) => r.status === 'read').map((r) => r.userId);
 */
export function useReceipts(conversationId: string | null | undefined, seq: number | undefined): readonly MemberReceiptStatus[] {
  const client = useChatClient();
  // Receipts move with the conversation's messages and summary; re-read when either changes.
  const messages = useChatStore((s) => (conversationId ? s.messages[conversationId] : undefined));
  const conversation = useChatStore((s) => s.conversations.find((c) => c.id === conversationId));
  return useMemo(() => {
    if (!client || !conversationId || seq === undefined) return NONE;
    return client.getReceipts(conversationId, seq);
  }, [client, conversationId, seq, messages, conversation]);
}
