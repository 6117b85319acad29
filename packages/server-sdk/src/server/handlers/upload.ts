import { ErrorCode, ParleyError, type AttachmentUrlsFrame, type UploadFrame } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import type { Attachments } from '../attachments.js';

function attachmentsOf(ctx: ServerContext): Attachments {
  if (!ctx.attachments) throw new ParleyError(ErrorCode.FORBIDDEN, 'this server takes no files');
  return ctx.attachments;
}

/**
 * UPLOAD: a member asks for a slot to upload one file (attachments.ts checks type, size and
 * quota). Counted against the user's send rate: each slot is a stored record.
 */
export async function handleUpload(ctx: ServerContext, conn: Connection, frame: UploadFrame): Promise<void> {
  const attachments = attachmentsOf(ctx);
  await requireMembership(ctx, frame.conversationId, conn.userId);
  if (!(await ctx.sendLimiter.take(conn.userId))) throw new ParleyError(ErrorCode.RATE_LIMITED, 'too many uploads; slow down');
  const slot = await attachments.upload(conn.userId, frame.conversationId, frame.file, frame.attachmentId);
  conn.send({ type: 'upload.result', reqId: frame.reqId, ...slot });
}

/** ATTACHMENTS.URLS: download URLs, for members only (NOT_FOUND otherwise, as for a conversation that never existed). */
export async function handleAttachmentUrls(ctx: ServerContext, conn: Connection, frame: AttachmentUrlsFrame): Promise<void> {
  const attachments = attachmentsOf(ctx);
  await requireMembership(ctx, frame.conversationId, conn.userId);
  const urls = await attachments.urls(conn.userId, frame.conversationId, frame.attachmentIds);
  conn.send({ type: 'attachments.urls.result', reqId: frame.reqId, urls });
}
