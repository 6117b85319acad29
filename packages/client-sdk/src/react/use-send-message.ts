import { useCallback, useState } from 'react';
import { ErrorCode, ParleyError, type MessageView, type SendContent, type SendOptions } from '@parley/client-sdk';
import { useChatClient } from './context.js';

export interface SendActions {
  /**
   * Queues a message: it is in the outbox and shown as `pending` when the promise resolves,
   * then `sent` once stored (or `failed`, visibly). Safe to call offline. `content` is the text,
   * or `{ text?, custom?, attachments? }` (files upload in the background: each pending message's
   * `attachments[i].progress`); `options` may name `replyTo` and `mentions`, as `chat.send` takes them.
   * Rejects (and sets `error`) when the content or id is not acceptable: nothing was queued, so
   * keep the draft.
   */
  send(content: string | SendContent, options?: SendOptions): Promise<MessageView>;
  /** Sends a failed message again, with the same id (never a second copy). */
  retry(clientMsgId: string): Promise<void>;
  /** Drops a failed or pending message. */
  discard(clientMsgId: string): Promise<void>;
  /** Why the last `send` was refused (a message a user can read); cleared by the next successful one. */
  error: ParleyError | null;
  clearError(): void;
}

const unavailable = () => Promise.reject(new ParleyError(ErrorCode.UNAVAILABLE, 'no Parley client yet'));

/**
 * Sending into one conversation, with optimistic messages: `useMessages` shows each one at once.
 *
 * @example
 * const { send, error } = useSendMessage(conversationId);
 * const onSubmit = () => send(draft).then(() => setDraft(''), () => {}); // keeps the draft; shows `error`
 * const onReply = (to: MessageView) => send(draft, { replyTo: to.id, mentions: [to.senderId] });
 * const onFiles = (files: FileList) => send({ text: draft, attachments: [...files] });
 */
export function useSendMessage(conversationId: string | null | undefined): SendActions {
  const client = useChatClient();
  const [error, setError] = useState<ParleyError | null>(null);
  const send = useCallback(
    (content: string | SendContent, options?: SendOptions) => {
      const sending = client && conversationId ? client.send(conversationId, content, options) : unavailable();
      return sending.then(
        (message) => {
          setError(null);
          return message;
        },
        (err: unknown) => {
          const parleyError = ParleyError.from(err);
          setError(parleyError);
          throw parleyError;
        },
      );
    },
    [client, conversationId],
  );
  const retry = useCallback((id: string) => (client ? client.retry(id) : unavailable()), [client]);
  const discard = useCallback((id: string) => (client ? client.discard(id) : unavailable()), [client]);
  const clearError = useCallback(() => setError(null), []);
  return { send, retry, discard, error, clearError };
}
