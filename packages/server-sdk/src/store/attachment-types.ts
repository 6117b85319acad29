import type { Attachment } from '@parley/protocol';

/**
 * Where an upload is in its life:
 * - `pending`: a slot was issued; no message holds it yet. Collected after the upload TTL.
 * - `claimed`: a send named it (`clientMsgId`) and is storing its message. A claim older than
 *   the TTL whose message never got stored is collected; one whose message exists is attached.
 * - `attached`: a stored message (`messageId`) carries it. Kept until that message is deleted.
 * - `deleting`: its message was deleted, or it expired: the object is being removed.
 */
export type AttachmentState = 'pending' | 'claimed' | 'attached' | 'deleting';

/** One upload and what Parley checked about it (`AttachmentStore`). */
export interface StoredAttachment extends Attachment {
  conversationId: string;
  uploaderId: string;
  /** The object's key in the blob store. */
  key: string;
  createdAt: number;
  state: AttachmentState;
  /** The send that claimed it (`claimed`, `attached`), else null. */
  clientMsgId: string | null;
  /** When it was last claimed (a repeated send claims again), else null. */
  claimedAt: number | null;
  /** The message that carries it (`attached`, and `deleting` after a message delete), else null. */
  messageId: string | null;
}

/** Which stale records a sweep reads (`listAttachmentsToSweep`). */
export interface AttachmentSweep {
  /** `pending` records created before this. */
  pendingBefore: number;
  /** `claimed` records last claimed before this. */
  claimedBefore: number;
  limit: number;
}

/**
 * The records of uploads, kept next to the log (in the same database, so a message and the state
 * of what it carries never live in different places). State changes are conditional, so nodes
 * sweeping at the same time, and a send racing a sweep, never both win.
 */
export interface AttachmentStore {
  /** Stores a new `pending` record. */
  insertAttachment(attachment: StoredAttachment): Promise<void>;
  /** The records with these ids in this conversation (others are left out), in the order asked. */
  getAttachments(conversationId: string, ids: readonly string[]): Promise<StoredAttachment[]>;
  /**
   * Claims each record for a send: a `pending` one of `uploaderId` in this conversation, or one
   * this same send claimed before (`claimed` or `attached` with this `clientMsgId`: a retry), and
   * sets `claimedAt`. Returns the records now held by this send; an id another send holds, or
   * not pending, or not the uploader's, is left out.
   */
  claimAttachments(conversationId: string, uploaderId: string, ids: readonly string[], clientMsgId: string, now: number): Promise<StoredAttachment[]>;
  /** Marks the records this send claimed as carried by `messageId` (`claimed` → `attached`; again is a no-op). */
  attachAttachments(conversationId: string, ids: readonly string[], clientMsgId: string, messageId: string): Promise<void>;
  /** Marks every record carried by `messageId` as `deleting`, and returns all of that message's `deleting` records. */
  markMessageAttachmentsDeleting(conversationId: string, messageId: string): Promise<StoredAttachment[]>;
  /**
   * Marks one stale record `deleting` if it is still as the sweep saw it (same state and
   * `claimedAt`); false when a send got to it first.
   */
  markAttachmentDeleting(id: string, seen: Pick<StoredAttachment, 'state' | 'claimedAt'>): Promise<boolean>;
  /** Stale `pending` and `claimed` records (`AttachmentSweep`) and every `deleting` one, oldest first. */
  listAttachmentsToSweep(sweep: AttachmentSweep): Promise<StoredAttachment[]>;
  /** Removes a record (after its object is deleted). */
  removeAttachment(id: string): Promise<void>;
  /** Bytes of `uploaderId`'s records that are not `deleting` (the quota). */
  attachmentBytes(uploaderId: string): Promise<number>;
}
