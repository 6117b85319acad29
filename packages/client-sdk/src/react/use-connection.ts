import { useMemo } from 'react';
import type { ConnectionState, MessageView } from '@parley/client-sdk';
import { useChatStore } from './use-chat-store.js';

/**
 * Where the connection stands (`connecting`, `online`, `reconnecting`, `offline`…).
 *
 * @example
 * const { status } = useConnection();
 * if (status === 'offline') return <Banner>You are offline</Banner>;
 */
export function useConnection(): ConnectionState {
  return useChatStore((s) => s.connection);
}

/**
 * The signed-in user's id, once the server welcomed the client; `null` before.
 *
 * @example
 * const me = useCurrentUserId();
 * const mine = message.senderId === me;
 */
export function useCurrentUserId(): string | null {
  return useChatStore((s) => s.userId);
}

export interface OutboxState {
  /** The user's messages not yet stored by the server, oldest first, over all conversations. */
  readonly pending: readonly MessageView[];
  /** Messages the server refused for good: they wait for `retry()` or `discard()`. */
  readonly failed: readonly MessageView[];
}

/**
 * The user's unsent messages: what an offline banner counts as queued.
 *
 * @example
 * const { pending } = useOutbox();
 * if (pending.length) return <Banner>{pending.length} messages will be sent when you are back online</Banner>;
 */
export function useOutbox(): OutboxState {
  const messages = useChatStore((s) => s.messages);
  return useMemo(() => {
    const all = Object.values(messages).flat();
    const byTime = (a: MessageView, b: MessageView) => a.ts - b.ts;
    return {
      pending: all.filter((m) => m.status === 'pending').sort(byTime),
      failed: all.filter((m) => m.status === 'failed').sort(byTime),
    };
  }, [messages]);
}
