import type { ConversationPatch, CustomData, RoleChange } from '@parley/protocol';
import type { ReceiptStatus } from './state/receipts.js';

/** What a UI shows of a conversation's messages: `MessageView`, its parts, and the timeline's items. */

/**
 * The message a reply quotes. Once the reply is stored, every field is the server's copy (taken
 * when the reply was stored). While it is pending, what this client knows: the id, and the rest
 * when it holds the quoted message (the preview cut as the server cuts it).
 *
 * @example
 * {m.replyTo && <Quote author={m.replyTo.senderId} text={m.replyTo.preview ?? '…'} />}
 */
export interface ReplyView {
  readonly messageId: string;
  readonly seq?: number;
  readonly senderId?: string;
  /** The start of the quoted text (`Limits.maxReplyPreviewLength`); empty when it had none. */
  readonly preview?: string;
}

/**
 * One reaction key on a message: how many reacted with it, whether this user did, and who (in
 * the order they reacted).
 *
 * @example
 * {m.reactions.map((r) => <Chip key={r.key} pressed={r.mine} onClick={() => toggle(m, r.key)}>{r.key} {r.count}</Chip>)}
 */
export interface ReactionView {
  readonly key: string;
  readonly count: number;
  readonly mine: boolean;
  readonly userIds: readonly string[];
}

/**
 * One of the user's changes of a message that the server refused for good (an edit past the
 * window, a reaction over the cap…). The message shows without it; `chat.retry(clientMsgId)`
 * sends it again, `chat.discard(clientMsgId)` drops it.
 *
 * @example
 * m.failedChanges?.map((f) => <Notice key={f.clientMsgId}>{f.kind} failed: {f.error.message}</Notice>)
 */
export interface FailedChange {
  readonly clientMsgId: string;
  readonly kind: 'edit' | 'delete' | 'react' | 'unreact';
  /** The reaction key, for `react` / `unreact`. */
  readonly key?: string;
  readonly error: { readonly code: number; readonly message: string };
}

/**
 * How far a file's upload got, in bytes: `loaded` of `total` (the file's size). A file whose
 * upload finished shows `loaded === total`.
 *
 * @example
 * <progress max={p.total} value={p.loaded} />
 */
export interface UploadProgress {
  readonly loaded: number;
  readonly total: number;
}

/**
 * A file on a message. A stored message's files carry the server's `id` (fetch the bytes with
 * `chat.getAttachmentUrl(conversationId, id)` or `useAttachmentUrl`). A pending message's files
 * carry `localId` (their bytes on this device: `chat.getLocalFile(localId)`), `progress`, and
 * `id` once the server gave the upload a slot. Images have `width`, `height` (reserve the space)
 * and usually a tiny `preview` to show, blurred, while the image loads.
 *
 * @example
 * m.attachments?.map((a) => a.mimeType.startsWith('image/')
 *   ? <Img key={a.id ?? a.localId} attachment={a} conversationId={m.conversationId} />
 *   : <FileChip key={a.id ?? a.localId} name={a.name} size={a.size} progress={a.progress} />);
 */
export interface AttachmentView {
  /** The server's attachment id: always on stored messages; on pending ones once a slot was issued. */
  readonly id?: string;
  /** This device's key for the bytes of a file not stored yet (pending messages only). */
  readonly localId?: string;
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  /** `type/subtype`, lower case (`image/png`, `application/pdf`). */
  readonly mimeType: string;
  readonly width?: number;
  readonly height?: number;
  /** A tiny `data:image/…;base64,` image to show (scaled up, blurred) until the image loads. */
  readonly preview?: string;
  /** Pending messages only: how far the upload got (`loaded === total` once uploaded). */
  readonly progress?: UploadProgress;
}

/**
 * A message as a UI shows it.
 *
 * @example
 * chat.getMessages(id).map((m) => <Bubble key={m.key} text={m.text} failed={m.status === 'failed'} />);
 */
export interface MessageView {
  /** Tells a message from a system line in `getTimeline`. */
  readonly type: 'message';
  /** Stable across pending → sent: the clientMsgId for own messages, the event id otherwise. */
  readonly key: string;
  readonly clientMsgId?: string;
  /** Server event id, once stored. */
  readonly id?: string;
  /** Position in the conversation's log, once stored. */
  readonly seq?: number;
  readonly conversationId: string;
  readonly senderId: string;
  /** Absent for a message that carries only app data (`custom`). */
  readonly text?: string;
  /** The app's own data on the message, as sent (plain JSON). */
  readonly custom?: CustomData;
  /**
   * The message's files, in the order sent (absent when none; gone with a deleted message's
   * content). On a pending message each shows its upload `progress`; the message is sent once
   * all are uploaded, and `chat.discard(clientMsgId)` cancels it, uploads included.
   */
  readonly attachments?: readonly AttachmentView[];
  /** The users the message mentions. */
  readonly mentions?: readonly string[];
  /** Whether `mentions` names this user. */
  readonly mentionsMe: boolean;
  /** The message this one replies to. */
  readonly replyTo?: ReplyView;
  /** Server time once stored; local creation time while pending. Display only. */
  readonly ts: number;
  /** When the current content was set by an edit (server time; local time while the edit is queued). */
  readonly editedAt?: number;
  /**
   * The edit deadline: on the user's own stored messages (not deleted) when the server announces
   * an edit window (`welcome.limits.editWindowMs`), the time (`ts` + window, server time) after
   * which the server refuses an edit, and `edit()` refuses it locally (FORBIDDEN). Absent: no
   * deadline (no window, or a message still pending: it is edited in place). Whether the user may
   * edit at all is theirs to see (`senderId`, `deleted`); compare with `Date.now()` to offer
   * "Edit", and re-render when it passes (`editableUntil - Date.now()` ms from now).
   *
   * @example
   * const canEdit = m.senderId === me && !m.deleted && (m.editableUntil === undefined || Date.now() <= m.editableUntil);
   */
  readonly editableUntil?: number;
  /**
   * A tombstone: the message was deleted (its content is gone, on the server and here). It keeps
   * its place in the list, so what came around it stays in order; hide it or show "deleted".
   */
  readonly deleted: boolean;
  /** Who deleted it (the sender, or a group owner). */
  readonly deletedBy?: string;
  /** Reactions by key, in the order the keys were first used; empty when none. */
  readonly reactions: readonly ReactionView[];
  /** For a thread reply: the `id` of the thread's root message (`chat.getThread(conversationId, threadId)`). */
  readonly threadId?: string;
  /** For a thread's root: how many replies it has (deleted ones included); 0 when none. */
  readonly replyCount: number;
  /** For a thread's root: server time of its latest reply. */
  readonly lastReplyAt?: number;
  /** The user's changes of this message that failed for good (absent when none). */
  readonly failedChanges?: readonly FailedChange[];
  /** `pending` and `failed` are about the message itself: its queued changes show at once, whatever their state. */
  readonly status: 'pending' | 'sent' | 'failed';
  readonly error?: { readonly code: number; readonly message: string };
  /**
   * On the user's own stored messages: `delivered` once every other member has it on a device,
   * `read` once every member who shares read receipts read it. Per member: `chat.getReceipts()`.
   */
  readonly receipt?: ReceiptStatus;
}

/**
 * A membership or group change as a line of the timeline ("alice added carol"):
 * - `created`: `actorId` created the conversation; `userIds` are its first members (the creator
 *   included) and `title` its title, if any;
 * - `added`: `actorId` added `userIds`;
 * - `removed`: `actorId` removed `userIds` (others); `banned` when they were banned too;
 * - `left`: `actorId` left (`userIds` is `[actorId]`);
 * - `updated`: `actorId` changed the group's details: `patch` says which (`null`: cleared);
 *   `userIds` is empty;
 * - `role`: `actorId` changed roles: `changes` lists each member's new role (a handover lists the
 *   new owner and the previous one, now an admin); `userIds` are those members.
 * `ownerId` is set when the change passed the group's ownership on (the owner left): to whom.
 *
 * @example
 * if (item.type === 'system' && item.event === 'added') line = `${item.actorId} added ${item.userIds.join(', ')}`;
 */
export interface SystemItem {
  readonly type: 'system';
  /** Stable: the event id. */
  readonly key: string;
  readonly seq: number;
  /** Server time. Display only. */
  readonly ts: number;
  readonly conversationId: string;
  /** Who made the change. */
  readonly actorId: string;
  readonly event: 'created' | 'added' | 'removed' | 'left' | 'updated' | 'role';
  readonly userIds: readonly string[];
  readonly title?: string;
  readonly ownerId?: string;
  /** `removed`: the removed users were banned. */
  readonly banned?: boolean;
  /** `updated`: the fields changed, as the event carries them. */
  readonly patch?: ConversationPatch;
  /** `role`: the new roles. */
  readonly changes?: readonly RoleChange[];
}

/**
 * One line of a conversation's timeline (`getTimeline`): a message or a membership change.
 *
 * @example
 * chat.getTimeline(id).map((item) => item.type === 'system' ? <SystemLine key={item.key} item={item} /> : <Bubble key={item.key} message={item} />);
 */
export type TimelineItem = MessageView | SystemItem;
