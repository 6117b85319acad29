import { replyPreview, type Attachment, type MessageData, type ReplyRef, type SendData } from '@parley/protocol';
import type { OutboxAttachment, OutboxEntry, ReplyDraft } from '../storage/client-storage.js';
import type { ConversationState } from './conversation-state.js';

/** What one queued message says: the content fields of an outbox entry. */
export type EntryContent = Pick<OutboxEntry, 'text' | 'custom' | 'mentions' | 'replyTo' | 'threadId' | 'attachments'>;

/** What the client knows of message `messageId` of a conversation: its id, plus its quote if held. */
export function replyDraft(conv: ConversationState | undefined, messageId: string): ReplyDraft {
  const quoted = conv?.events.find((e) => e.kind === 'message' && e.id === messageId);
  if (!quoted || quoted.kind !== 'message') return { messageId };
  return { messageId, seq: quoted.seq, senderId: quoted.senderId, preview: replyPreview(quoted.data.text) };
}

/** The server's quote of `draft`, when the client can know it exactly (from the draft or the log). */
export function replyRef(draft: ReplyDraft, conv: ConversationState | undefined): ReplyRef | undefined {
  const known = draft.seq !== undefined && draft.senderId !== undefined && draft.preview !== undefined ? draft : replyDraft(conv, draft.messageId);
  if (known.seq === undefined || known.senderId === undefined || known.preview === undefined) return undefined;
  return { messageId: known.messageId, seq: known.seq, senderId: known.senderId, preview: known.preview };
}

/** The server's copy of an uploaded file, as a message carries it (the server copies what the slot declared). */
export function attachmentOf(file: OutboxAttachment & { id: string }): Attachment {
  return {
    id: file.id,
    name: file.name,
    size: file.size,
    mimeType: file.mimeType,
    ...(file.width !== undefined ? { width: file.width } : {}),
    ...(file.height !== undefined ? { height: file.height } : {}),
    ...(file.preview !== undefined ? { preview: file.preview } : {}),
  };
}

/** The server ids of an entry's files, once every one has a slot (undefined while one has none). */
function attachmentIds(entry: EntryContent): string[] | undefined {
  const ids = entry.attachments?.map((a) => a.id);
  return ids && ids.length > 0 && ids.every((id): id is string => id !== undefined) ? ids : undefined;
}

/**
 * The SEND frame's `data` for an entry (fields it does not have are left out, not sent as
 * undefined). Its files are named by the ids of their upload slots: it is sent once they are
 * uploaded (`awaitsUpload`).
 */
export function sendData(entry: EntryContent): SendData {
  const attachments = attachmentIds(entry);
  return {
    ...(entry.text !== undefined ? { text: entry.text } : {}),
    ...(entry.custom !== undefined ? { custom: entry.custom } : {}),
    ...(attachments !== undefined ? { attachments } : {}),
    ...(entry.mentions !== undefined ? { mentions: [...entry.mentions] } : {}),
    ...(entry.replyTo !== undefined ? { replyTo: entry.replyTo.messageId } : {}),
    ...(entry.threadId !== undefined ? { threadId: entry.threadId } : {}),
  };
}

/** The held top-level message `messageId` of a conversation, as a thread root (`data.thread` of its replies). */
function threadRef(conv: ConversationState | undefined, messageId: string): MessageData['thread'] {
  const root = conv?.events.find((e) => e.kind === 'message' && e.id === messageId);
  return root ? { messageId, seq: root.seq } : undefined;
}

/**
 * The stored message's `data`, as the server stored it, built from the acked entry; undefined
 * when it quotes a message the client cannot quote exactly, or replies in a thread whose root it
 * does not hold (then only the log tells).
 */
export function storedData(entry: EntryContent, conv: ConversationState | undefined): MessageData | undefined {
  const { replyTo: _replyTo, threadId: _threadId, attachments: _ids, ...data } = sendData(entry);
  let stored: MessageData = data;
  if (entry.attachments !== undefined && entry.attachments.length > 0) {
    const files = entry.attachments.filter((a): a is OutboxAttachment & { id: string } => a.id !== undefined);
    if (files.length !== entry.attachments.length) return undefined;
    stored = { ...stored, attachments: files.map(attachmentOf) };
  }
  if (entry.replyTo !== undefined) {
    const replyTo = replyRef(entry.replyTo, conv);
    if (!replyTo) return undefined;
    stored = { ...stored, replyTo };
  }
  if (entry.threadId !== undefined) {
    // The server names the root by id and seq: only a held root gives the seq.
    const thread = threadRef(conv, entry.threadId);
    if (!thread) return undefined;
    stored = { ...stored, thread };
  }
  return stored;
}
