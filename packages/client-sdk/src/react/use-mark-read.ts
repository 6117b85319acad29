import { useEffect } from 'react';
import { useChatClient } from './context.js';
import { useChatStore } from './use-chat-store.js';

type VisibilityHost = {
  document?: { visibilityState?: string; addEventListener(type: string, listener: () => void): void; removeEventListener(type: string, listener: () => void): void };
};

/**
 * Marks the conversation read while it is on screen: when it opens, when messages arrive, and
 * when the browser tab becomes visible again. A hidden tab does not read.
 *
 * @example
 * function ConversationScreen({ id }: { id: string }) {
 *   useMarkRead(id);
 *   return <MessageList id={id} />;
 * }
 */
export function useMarkRead(conversationId: string | null | undefined, options: { enabled?: boolean } = {}): void {
  const client = useChatClient();
  const enabled = options.enabled ?? true;
  const unread = useChatStore((s) => (conversationId ? s.conversations.find((c) => c.id === conversationId)?.unread ?? 0 : 0));
  const messages = useChatStore((s) => (conversationId ? s.messages[conversationId] : undefined));

  useEffect(() => {
    if (!client || !conversationId || !enabled) return;
    // Effects never run on the server; `document` is looked up here, not at import.
    const { document } = globalThis as VisibilityHost;
    const markIfVisible = () => {
      if (document?.visibilityState === 'hidden') return;
      client.markRead(conversationId);
    };
    markIfVisible();
    document?.addEventListener('visibilitychange', markIfVisible);
    return () => document?.removeEventListener('visibilitychange', markIfVisible);
  }, [client, conversationId, enabled, unread, messages]);
}
