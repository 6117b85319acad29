import type { MessageContent, MessageView } from '@parley/client-sdk';

/** A message whose words can be changed: the user's own, not deleted, with text to edit. */
export function isEditable(message: MessageView, me: string): boolean {
  return message.senderId === me && !message.deleted && message.text !== undefined && message.text !== '' && message.status !== 'failed';
}

/** The sender deletes their own messages; a group's owner may delete anyone's (once stored). */
export function isDeletable(message: MessageView, me: string, groupOwner: boolean): boolean {
  return !message.deleted && message.status !== 'failed' && (message.senderId === me || (groupOwner && message.id !== undefined));
}

/** The user's latest message of a list that can be edited: what ↑ in an empty composer edits. */
export function lastEditable(messages: readonly MessageView[], me: string): MessageView | undefined {
  return messages.findLast((m) => isEditable(m, me));
}

/**
 * The content of an edit that changes the words only: an edit replaces text AND app data, so the
 * message's `custom` goes along unchanged (else editing a message would strip its app data).
 */
export function editedContent(message: MessageView, text: string): MessageContent {
  return { text, ...(message.custom ? { custom: message.custom } : {}) };
}
