import type { MessageContent, MessageView } from '@parley/client-sdk';

/**
 * Whether the edit window still holds the message open: the SDK gives the deadline the server
 * announced (`editableUntil`, absent when edits have no window, or while the message is pending).
 */
export function withinEditWindow(message: MessageView, now: number = Date.now()): boolean {
  return message.editableUntil === undefined || now <= message.editableUntil;
}

/** A message whose words can be changed: the user's own, not deleted, with text to edit, inside the edit window. */
export function isEditable(message: MessageView, me: string, now: number = Date.now()): boolean {
  return (
    message.senderId === me && !message.deleted && message.text !== undefined && message.text !== '' &&
    message.status !== 'failed' && withinEditWindow(message, now)
  );
}

/** The sender deletes their own messages; a group's owner and admins may delete anyone's (once stored). */
export function isDeletable(message: MessageView, me: string, moderator: boolean): boolean {
  return !message.deleted && message.status !== 'failed' && (message.senderId === me || (moderator && message.id !== undefined));
}

/** Others' stored messages can be reported (the server takes a report of a stored message only). */
export function isReportable(message: MessageView, me: string): boolean {
  return message.senderId !== me && message.id !== undefined && !message.deleted;
}

/** The user's latest message of a list that can still be edited: what ↑ in an empty composer edits. */
export function lastEditable(messages: readonly MessageView[], me: string, now: number = Date.now()): MessageView | undefined {
  return messages.findLast((m) => isEditable(m, me, now));
}

/**
 * The content of an edit that changes the words only: an edit replaces text AND app data, so the
 * message's `custom` goes along unchanged (else editing a message would strip its app data).
 */
export function editedContent(message: MessageView, text: string): MessageContent {
  return { text, ...(message.custom ? { custom: message.custom } : {}) };
}
