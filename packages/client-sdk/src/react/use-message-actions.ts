import { useCallback, useMemo, useState } from 'react';
import { ErrorCode, ParleyError, type MessageContent, type MessageView } from '@parley/client-sdk';
import { useChatClient } from './context.js';

export interface MessageActions {
  /** Edits one of the user's own messages (`chat.edit`): the new content shows at once. */
  edit(message: MessageView | string, content: string | MessageContent): Promise<MessageView>;
  /** Deletes a message (`chat.delete`): it shows as a tombstone (`deleted`) at once. */
  remove(message: MessageView | string): Promise<void>;
  react(message: MessageView | string, key: string): Promise<MessageView>;
  unreact(message: MessageView | string, key: string): Promise<MessageView>;
  /** Reacts with `key`, or takes it back when the message shows it as the user's (`mine`). */
  toggleReaction(message: MessageView, key: string): Promise<MessageView>;
  /** Why the last action was refused (a message a user can read); cleared by the next one that is accepted. */
  error: ParleyError | null;
  clearError(): void;
}

const unavailable = () => Promise.reject(new ParleyError(ErrorCode.UNAVAILABLE, 'no Parley client yet'));

/** A view's id for a change: its server id, or its clientMsgId while it is pending. */
const idOf = (message: MessageView | string) => (typeof message === 'string' ? message : message.id ?? message.key);

/**
 * Changing the messages of one conversation. Every action is queued like a send (offline too)
 * and shows at once in `useMessages` / `useThread`; a change the server refuses later shows in
 * the message's `failedChanges`.
 *
 * @example
 * const { edit, remove, toggleReaction, error } = useMessageActions(conversationId);
 * <button onClick={() => toggleReaction(m, '👍')}>👍 {m.reactions.find((r) => r.key === '👍')?.count}</button>
 */
export function useMessageActions(conversationId: string | null | undefined): MessageActions {
  const client = useChatClient();
  const [error, setError] = useState<ParleyError | null>(null);
  const run = useCallback(
    <T,>(action: (id: string) => Promise<T>): Promise<T> => {
      const running = client && conversationId ? action(conversationId) : unavailable();
      return running.then(
        (value) => {
          setError(null);
          return value;
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
  const clearError = useCallback(() => setError(null), []);
  return useMemo(() => ({
    edit: (message, content) => run((id) => client!.edit(id, idOf(message), content)),
    remove: (message) => run((id) => client!.delete(id, idOf(message))),
    react: (message, key) => run((id) => client!.react(id, idOf(message), key)),
    unreact: (message, key) => run((id) => client!.unreact(id, idOf(message), key)),
    toggleReaction: (message, key) => {
      const mine = message.reactions.some((r) => r.key === key && r.mine);
      return run((id) => (mine ? client!.unreact(id, idOf(message), key) : client!.react(id, idOf(message), key)));
    },
    error,
    clearError,
  }), [run, client, error, clearError]);
}
