import { useCallback } from 'react';
import { ErrorCode, ParleyError, type MessageView } from '@parley/client-sdk';
import { useChatClient } from './context.js';

export interface SendActions {
  /**
   * Queues a message: it is in the outbox and shown as `pending` when the promise resolves,
   * then `sent` once stored (or `failed`, visibly). Safe to call offline.
   */
  send(text: string): Promise<MessageView>;
  /** Sends a failed message again, with the same id (never a second copy). */
  retry(clientMsgId: string): Promise<void>;
  /** Drops a failed or pending message. */
  discard(clientMsgId: string): Promise<void>;
}

const unavailable = () => Promise.reject(new ParleyError(ErrorCode.UNAVAILABLE, 'no Parley client yet'));

/**
 * Sending into one conversation, with optimistic messages: `useMessages` shows each one at once.
 *
 * @example
 * const { send } = useSendMessage(conversationId);
 * const onSubmit = async () => { await send(draft); setDraft(''); };
 */
export function useSendMessage(conversationId: string | null | undefined): SendActions {
  const client = useChatClient();
  const send = useCallback(
    (text: string) => (client && conversationId ? client.send(conversationId, text) : unavailable()),
    [client, conversationId],
  );
  const retry = useCallback((id: string) => (client ? client.retry(id) : unavailable()), [client]);
  const discard = useCallback((id: string) => (client ? client.discard(id) : unavailable()), [client]);
  return { send, retry, discard };
}
