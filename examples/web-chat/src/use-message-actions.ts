import { useCallback, useState } from 'react';
import { ParleyError, type ChatClient, type MessageView } from '@parley/client-sdk';
import { useChatClient } from '@parley/client-sdk/react';

/**
 * What the SDK needs to name a message: its server id once stored, else (the user's own, still
 * in flight) its clientMsgId, so a message can be edited or deleted before the server has it.
 */
export function refOf(message: MessageView): string {
  return message.id ?? message.clientMsgId ?? message.key;
}

/** A message whose words can be changed: the user's own, not deleted, with text to edit. */
export function isEditable(message: MessageView, me: string): boolean {
  return message.senderId === me && !message.deleted && message.text !== undefined && message.text !== '';
}

/** The sender deletes their own messages; a group's owner may delete anyone's. */
export function isDeletable(message: MessageView, me: string, groupOwner: boolean): boolean {
  return !message.deleted && (message.senderId === me || (groupOwner && message.id !== undefined));
}

export interface MessageActions {
  /** Replaces the text, keeping the message's app data (an edit replaces both). */
  edit(message: MessageView, text: string): Promise<void>;
  remove(message: MessageView): Promise<void>;
  /** Adds the user's reaction with this key, or takes it back when it is theirs already. */
  toggleReaction(message: MessageView, key: string): Promise<void>;
  /** Sends a failed message or change again, or drops it. */
  retry(clientMsgId: string): Promise<void>;
  discard(clientMsgId: string): Promise<void>;
  /** Why the last action was refused before anything was queued (a message a user can read). */
  error: ParleyError | null;
  clearError(): void;
}

/**
 * Changing messages of one conversation. Each action is queued like a send (offline too) and
 * shows at once; a refusal before queueing (too long, over the reaction cap, not allowed) rejects
 * and lands in `error`, while a refusal by the server later shows on the message (`failedChanges`).
 */
export function useMessageActions(conversationId: string): MessageActions {
  const chat = useChatClient();
  const [error, setError] = useState<ParleyError | null>(null);
  const run = useCallback(
    async (action: (client: ChatClient) => Promise<unknown>) => {
      if (!chat) return;
      try {
        await action(chat);
        setError(null);
      } catch (err) {
        const parleyError = ParleyError.from(err);
        setError(parleyError);
        throw parleyError;
      }
    },
    [chat],
  );
  return {
    edit: (message, text) =>
      run((c) => c.edit(conversationId, refOf(message), { text, ...(message.custom ? { custom: message.custom } : {}) })),
    remove: (message) => run((c) => c.delete(conversationId, refOf(message))),
    toggleReaction: (message, key) => {
      const mine = message.reactions.some((r) => r.key === key && r.mine);
      return run((c) => (mine ? c.unreact(conversationId, refOf(message), key) : c.react(conversationId, refOf(message), key)));
    },
    retry: (clientMsgId) => run((c) => c.retry(clientMsgId)),
    discard: (clientMsgId) => run((c) => c.discard(clientMsgId)),
    error,
    clearError: useCallback(() => setError(null), []),
  };
}

/** The user's latest message of a list that can be edited: what ↑ in an empty composer edits. */
export function lastEditable(messages: readonly MessageView[], me: string): MessageView | undefined {
  return messages.findLast((m) => isEditable(m, me) && m.status !== 'failed');
}
