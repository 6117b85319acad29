import { useCallback } from 'react';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

const NOBODY: readonly string[] = Object.freeze([]);

export interface TypingState {
  /** Other users typing in this conversation now; each indicator expires by itself. */
  readonly typingUserIds: readonly string[];
  /** Call on every keystroke: the client throttles what goes to the server. */
  notifyTyping(): void;
}

/**
 * Who is typing in a conversation, and a way to say the user is.
 *
 * @example
 * const { typingUserIds, notifyTyping } = useTyping(id);
 * <textarea onChange={(e) => { setDraft(e.target.value); notifyTyping(); }} />
 * {typingUserIds.length > 0 && <em>{typingUserIds.join(', ')} typing…</em>}
 */
export function useTyping(conversationId: string | null | undefined): TypingState {
  const client = useChatClient();
  const typingUserIds = useChatStore((s) => (conversationId ? s.typing?.[conversationId] : undefined) ?? NOBODY);
  const notifyTyping = useCallback(() => {
    if (client && conversationId) client.typing(conversationId);
  }, [client, conversationId]);
  return { typingUserIds, notifyTyping };
}
