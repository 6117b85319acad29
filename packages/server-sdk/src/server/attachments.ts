import { randomUUID } from 'node:crypto';
import { ErrorCode, Limits, ParleyError, type Attachment, type AttachmentSpec, type AttachmentUrl, type UploadTarget } from '@parley/protocol';
import type { BlobStore } from '../blobs/types.js';
import type { ChatStore } from '../store/types.js';
import type { StoredAttachment } from '../store/attachment-types.js';
import type { Logger } from '../logger.js';

/** What `createChatServer({ attachments })` takes: where the bytes go and the rules for them. */
export interface AttachmentOptions {
  /** Where the bytes live: `createDiskBlobStore()` or `createS3BlobStore()` (`@parley/server-sdk/s3`). */
  blobs: BlobStore;
  /** Largest file, in bytes (default 25 MiB; at most `Limits.maxAttachmentBytes`, 100 MiB). */
  maxBytes?: number;
  /**
   * Accepted MIME types: exact (`application/pdf`) or a family (`image/*`). Default
   * `DEFAULT_ATTACHMENT_TYPES`. Whatever is accepted, only raster images, audio and video are
   * ever served inline; HTML, SVG, XML and scripts are served as downloads of opaque bytes.
   */
  types?: readonly string[];
  /** Bytes one user may keep uploaded, over all conversations (default 1 GiB). */
  quotaBytes?: number;
  /** How long an upload URL works, in seconds (default 900). */
  uploadUrlSeconds?: number;
  /** How long a download URL works, in seconds (default 900). */
  downloadUrlSeconds?: number;
  /** Uploads that no message holds are deleted this long after their slot was issued (default 24 h). */
  unattachedTtlMs?: number;
  /** How often each node sweeps expired uploads and deleted messages' objects (default 60 s; 0: never). */
  sweepEveryMs?: number;
}

/** The types accepted by default: images, audio, video, PDF, plain text and common archives and documents. */
export const DEFAULT_ATTACHMENT_TYPES: readonly string[] = [
  'image/*',
  'audio/*',
  'video/*',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/json',
  'application/octet-stream',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
];

/** Shown in the page: raster images, audio and video. Nothing a browser would run. */
const INLINE = /^(image\/(png|jpeg|gif|webp|avif|bmp)|audio\/(mpeg|ogg|webm|wav|mp4|aac|flac)|video\/(mp4|webm|ogg|quicktime))$/;
/** Served as opaque bytes even as a download: types a browser might render or run. */
const ACTIVE = /(html|xml|svg|javascript|ecmascript|x-sh|wasm)/;
/** Image types whose width, height and preview a message may carry. */
const IMAGE = /^image\//;

const MiB = 1024 * 1024;
/** A claim younger than this is a send in progress: the sweep leaves it alone. */
const CLAIM_GRACE_MS = 10 * 60_000;
const SWEEP_BATCH = 200;

/** A server's attachment rules and records (`ctx.attachments`); null when none are configured. */
export interface Attachments {
  readonly maxBytes: number;
  /** UPLOAD: a slot (or a renewed URL for one) for `userId`, a member of `conversationId`. */
  upload(userId: string, conversationId: string, file: AttachmentSpec, attachmentId?: string): Promise<{ attachment: Attachment; upload: UploadTarget }>;
  /** Download URLs for a member: attached files of the conversation, and the member's own unsent uploads. */
  urls(userId: string, conversationId: string, ids: readonly string[]): Promise<AttachmentUrl[]>;
  /**
   * Checks and claims a send's attachments: the sender's uploads in this conversation, stored as
   * declared. UPLOAD_INCOMPLETE otherwise (the client uploads again and resends).
   */
  claim(conversationId: string, senderId: string, clientMsgId: string, ids: readonly string[]): Promise<Attachment[]>;
  /** After the message is stored (or found stored): its attachments are held by it. */
  attach(conversationId: string, clientMsgId: string, messageId: string, attachments: readonly Attachment[] | undefined): Promise<void>;
  /** After a message is deleted: its objects and records go. Safe to run again. */
  erase(conversationId: string, messageId: string): Promise<void>;
  /** One sweep: expired uploads, claims whose send died, deleted messages' leftovers. Returns records removed. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

export function createAttachments(
  options: AttachmentOptions,
  deps: { store: ChatStore; logger: Logger; now: () => number },
): Attachments {
  const { blobs } = options;
  const { store, logger, now } = deps;
  const maxBytes = Math.min(options.maxBytes ?? 25 * MiB, Limits.maxAttachmentBytes);
  const types = options.types ?? DEFAULT_ATTACHMENT_TYPES;
  const quotaBytes = options.quotaBytes ?? 1024 * MiB;
  const uploadSeconds = options.uploadUrlSeconds ?? 900;
  const downloadSeconds = options.downloadUrlSeconds ?? 900;
  const ttlMs = options.unattachedTtlMs ?? 24 * 3_600_000;
  const sweepEveryMs = options.sweepEveryMs ?? 60_000;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new Error('attachments.maxBytes must be a positive integer');

  const accepts = (mimeType: string) => types.some((t) => (t.endsWith('/*') ? mimeType.startsWith(t.slice(0, -1)) : t === mimeType));
  const incomplete = (why: string) => new ParleyError(ErrorCode.UPLOAD_INCOMPLETE, why);

  function checkSpec(file: AttachmentSpec): void {
    if (!accepts(file.mimeType)) throw new ParleyError(ErrorCode.UNSUPPORTED_TYPE, `files of type ${file.mimeType} are not accepted here`);
    if (file.size > maxBytes) throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `files are limited to ${maxBytes} bytes here`);
    const imageFields = file.width !== undefined || file.height !== undefined || file.preview !== undefined;
    if (imageFields && !IMAGE.test(file.mimeType)) throw new ParleyError(ErrorCode.BAD_FRAME, 'width, height and preview are for images');
  }

  /** The PUT for a record; `renewal`: an earlier slot, whose object may already be complete. */
  async function target(record: StoredAttachment, renewal: boolean): Promise<UploadTarget> {
    const stat = renewal ? await blobs.stat(record.key) : null;
    const presigned = await blobs.presignUpload(record.key, { size: record.size, mimeType: record.mimeType, expiresInSeconds: uploadSeconds });
    const uploaded = stat !== null && stat.size === record.size && stat.mimeType === record.mimeType;
    return { url: presigned.url, method: 'PUT', headers: { ...presigned.headers }, expiresAt: presigned.expiresAt, uploaded };
  }

  async function removeObject(record: StoredAttachment): Promise<void> {
    await blobs.delete(record.key);
    await store.removeAttachment(record.id);
  }

  async function sweep(): Promise<number> {
    const at = now();
    const stale = await store.listAttachmentsToSweep({ pendingBefore: at - ttlMs, claimedBefore: at - CLAIM_GRACE_MS, limit: SWEEP_BATCH });
    let removed = 0;
    for (const record of stale) {
      try {
        if (record.state === 'deleting') {
          await removeObject(record);
          removed++;
        } else if (record.state === 'pending') {
          if (await store.markAttachmentDeleting(record.id, record)) {
            await removeObject(record);
            removed++;
          }
        } else if (record.state === 'claimed' && record.clientMsgId !== null) {
          // A send claimed it and then stopped (a crash, a refusal): is its message stored?
          const message = await store.findEvent(record.conversationId, record.uploaderId, record.clientMsgId);
          // Held only if the stored message carries it: a deleted message's content is erased,
          // and a resend after UPLOAD_INCOMPLETE may carry a new upload instead of this one.
          const carried = message?.kind === 'message' && (message.data.attachments ?? []).some((a) => a.id === record.id);
          if (message && carried) {
            await store.attachAttachments(record.conversationId, [record.id], record.clientMsgId, message.id);
          } else if (message && (await store.markAttachmentDeleting(record.id, record))) {
            await removeObject(record);
            removed++;
          } else if ((record.claimedAt ?? 0) < at - ttlMs && (await store.markAttachmentDeleting(record.id, record))) {
            await removeObject(record);
            removed++;
          }
        }
      } catch (err) {
        logger.warn('attachment sweep: a record stays for the next sweep', { err, attachmentId: record.id });
      }
    }
    return removed;
  }

  async function eraseMessage(conversationId: string, messageId: string): Promise<number> {
    const records = await store.markMessageAttachmentsDeleting(conversationId, messageId);
    for (const record of records) await removeObject(record);
    return records.length;
  }

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  if (sweepEveryMs > 0) {
    timer = setInterval(() => {
      sweeping = sweep().catch((err: unknown) => logger.warn('attachment sweep failed; it runs again', { err }));
    }, sweepEveryMs);
    timer.unref();
  }

  return {
    maxBytes,

    async upload(userId, conversationId, file, attachmentId) {
      checkSpec(file);
      if (attachmentId !== undefined) {
        // A renewed URL for an upload cut short: the same file, not yet held by a stored message.
        const [record] = await store.getAttachments(conversationId, [attachmentId]);
        const renewable = record && record.uploaderId === userId && (record.state === 'pending' || record.state === 'claimed');
        if (!renewable) throw new ParleyError(ErrorCode.NOT_FOUND, 'upload not found');
        if (record.name !== file.name || record.size !== file.size || record.mimeType !== file.mimeType) {
          throw new ParleyError(ErrorCode.BAD_FRAME, 'a renewed upload must declare the same name, size and type');
        }
        return { attachment: publicOf(record), upload: await target(record, true) };
      }
      const used = await store.attachmentBytes(userId);
      if (used + file.size > quotaBytes) {
        throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `upload quota reached: ${used} of ${quotaBytes} bytes in use`);
      }
      const id = `at_${randomUUID()}`;
      const record: StoredAttachment = {
        id,
        ...file,
        conversationId,
        uploaderId: userId,
        key: `a/${id}`,
        createdAt: now(),
        state: 'pending',
        clientMsgId: null,
        claimedAt: null,
        messageId: null,
      };
      const upload = await target(record, false);
      await store.insertAttachment(record);
      return { attachment: publicOf(record), upload };
    },

    async urls(userId, conversationId, ids) {
      const records = await store.getAttachments(conversationId, [...new Set(ids)]);
      const visible = records.filter((r) => r.state === 'attached' || (r.uploaderId === userId && (r.state === 'pending' || r.state === 'claimed')));
      return Promise.all(
        visible.map(async (record) => {
          const inline = INLINE.test(record.mimeType);
          const mimeType = ACTIVE.test(record.mimeType) ? 'application/octet-stream' : record.mimeType;
          const { url, expiresAt } = await blobs.presignDownload(record.key, { filename: record.name, mimeType, inline, expiresInSeconds: downloadSeconds });
          return { attachmentId: record.id, url, expiresAt };
        }),
      );
    },

    async claim(conversationId, senderId, clientMsgId, ids) {
      if (new Set(ids).size !== ids.length) throw new ParleyError(ErrorCode.BAD_FRAME, 'a message names each attachment once');
      const claimed = await store.claimAttachments(conversationId, senderId, ids, clientMsgId, now());
      if (claimed.length !== ids.length) throw incomplete('an attachment is gone or not yours: upload the file again');
      await Promise.all(
        claimed.map(async (record) => {
          if (record.state === 'attached') return; // a retry of a stored message: checked then
          const stat = await blobs.stat(record.key);
          if (!stat) throw incomplete(`the upload of ${record.name} is not complete`);
          if (stat.size !== record.size || stat.mimeType !== record.mimeType) throw incomplete(`the upload of ${record.name} differs from what was declared`);
        }),
      );
      const byId = new Map(claimed.map((r) => [r.id, r]));
      return ids.map((id) => publicOf(byId.get(id)!));
    },

    async attach(conversationId, clientMsgId, messageId, attachments) {
      if (!attachments || attachments.length === 0) return;
      await store.attachAttachments(conversationId, attachments.map((a) => a.id), clientMsgId, messageId);
    },

    async erase(conversationId, messageId) {
      await eraseMessage(conversationId, messageId);
    },

    sweep,

    async close() {
      if (timer) clearInterval(timer);
      await sweeping;
    },
  };
}

/** What a message carries of a record: the file, never the bookkeeping. */
function publicOf(record: StoredAttachment): Attachment {
  return {
    id: record.id,
    name: record.name,
    size: record.size,
    mimeType: record.mimeType,
    ...(record.width !== undefined ? { width: record.width } : {}),
    ...(record.height !== undefined ? { height: record.height } : {}),
    ...(record.preview !== undefined ? { preview: record.preview } : {}),
  };
}
