import type { Database } from 'better-sqlite3';
import type { AttachmentState, AttachmentStore, StoredAttachment } from './attachment-types.js';

interface AttachmentRow {
  id: string;
  conversation_id: string;
  uploader_id: string;
  name: string;
  size: number;
  mime_type: string;
  width: number | null;
  height: number | null;
  preview: string | null;
  key: string;
  created_at: number;
  state: AttachmentState;
  client_msg_id: string | null;
  claimed_at: number | null;
  message_id: string | null;
}

function toAttachment(row: AttachmentRow): StoredAttachment {
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    mimeType: row.mime_type,
    ...(row.width !== null ? { width: row.width } : {}),
    ...(row.height !== null ? { height: row.height } : {}),
    ...(row.preview !== null ? { preview: row.preview } : {}),
    conversationId: row.conversation_id,
    uploaderId: row.uploader_id,
    key: row.key,
    createdAt: row.created_at,
    state: row.state,
    clientMsgId: row.client_msg_id,
    claimedAt: row.claimed_at,
    messageId: row.message_id,
  };
}

/**
 * The SQLite store's upload records (`parley_attachments`, schema 6). Each state change is one
 * conditional UPDATE, so processes sharing the file never both win a record.
 */
export function createSqliteAttachments(db: Database): AttachmentStore {
  const sql = {
    insert: db.prepare(
      `INSERT INTO parley_attachments (id, conversation_id, uploader_id, name, size, mime_type, width, height, preview, key, created_at, state, client_msg_id, claimed_at, message_id)
       VALUES (@id, @conversationId, @uploaderId, @name, @size, @mimeType, @width, @height, @preview, @key, @createdAt, @state, @clientMsgId, @claimedAt, @messageId)`,
    ),
    get: db.prepare<[string, string], AttachmentRow>('SELECT * FROM parley_attachments WHERE id = ? AND conversation_id = ?'),
    claim: db.prepare<[{ id: string; conversationId: string; uploaderId: string; clientMsgId: string; now: number }], AttachmentRow>(
      `UPDATE parley_attachments SET state = CASE WHEN state = 'pending' THEN 'claimed' ELSE state END,
         client_msg_id = @clientMsgId, claimed_at = @now
       WHERE id = @id AND conversation_id = @conversationId AND uploader_id = @uploaderId
         AND (state = 'pending' OR (state IN ('claimed', 'attached') AND client_msg_id = @clientMsgId))
       RETURNING *`,
    ),
    attach: db.prepare<[string, string, string, string]>(
      `UPDATE parley_attachments SET state = 'attached', message_id = ? WHERE id = ? AND conversation_id = ? AND state = 'claimed' AND client_msg_id = ?`,
    ),
    markMessage: db.prepare<[string, string]>(
      `UPDATE parley_attachments SET state = 'deleting' WHERE conversation_id = ? AND message_id = ? AND state = 'attached'`,
    ),
    deletingOfMessage: db.prepare<[string, string], AttachmentRow>(
      `SELECT * FROM parley_attachments WHERE conversation_id = ? AND message_id = ? AND state = 'deleting' ORDER BY created_at, id`,
    ),
    markOne: db.prepare<[string, AttachmentState, number | null]>(
      `UPDATE parley_attachments SET state = 'deleting' WHERE id = ? AND state = ? AND claimed_at IS ?`,
    ),
    sweep: db.prepare<[number, number, number], AttachmentRow>(
      `SELECT * FROM parley_attachments
       WHERE state = 'deleting' OR (state = 'pending' AND created_at < ?) OR (state = 'claimed' AND claimed_at < ?)
       ORDER BY created_at, id LIMIT ?`,
    ),
    remove: db.prepare<[string]>('DELETE FROM parley_attachments WHERE id = ?'),
    bytes: db.prepare<[string], { n: number | null }>(
      `SELECT SUM(size) AS n FROM parley_attachments WHERE uploader_id = ? AND state IN ('pending', 'claimed', 'attached')`,
    ),
  };
  const claimAll = db.transaction((conversationId: string, uploaderId: string, ids: readonly string[], clientMsgId: string, now: number) =>
    ids.flatMap((id) => {
      const row = sql.claim.get({ id, conversationId, uploaderId, clientMsgId, now });
      return row ? [toAttachment(row)] : [];
    }),
  );
  const attachAll = db.transaction((conversationId: string, ids: readonly string[], clientMsgId: string, messageId: string) => {
    for (const id of ids) sql.attach.run(messageId, id, conversationId, clientMsgId);
  });
  const markMessage = db.transaction((conversationId: string, messageId: string) => {
    sql.markMessage.run(conversationId, messageId);
    return sql.deletingOfMessage.all(conversationId, messageId).map(toAttachment);
  });

  return {
    async insertAttachment(a) {
      sql.insert.run({
        id: a.id,
        conversationId: a.conversationId,
        uploaderId: a.uploaderId,
        name: a.name,
        size: a.size,
        mimeType: a.mimeType,
        key: a.key,
        createdAt: a.createdAt,
        state: a.state,
        clientMsgId: a.clientMsgId,
        claimedAt: a.claimedAt,
        messageId: a.messageId,
        width: a.width ?? null,
        height: a.height ?? null,
        preview: a.preview ?? null,
      });
    },
    async getAttachments(conversationId, ids) {
      return ids.flatMap((id) => {
        const row = sql.get.get(id, conversationId);
        return row ? [toAttachment(row)] : [];
      });
    },
    async claimAttachments(conversationId, uploaderId, ids, clientMsgId, now) {
      return claimAll.immediate(conversationId, uploaderId, ids, clientMsgId, now);
    },
    async attachAttachments(conversationId, ids, clientMsgId, messageId) {
      attachAll.immediate(conversationId, ids, clientMsgId, messageId);
    },
    async markMessageAttachmentsDeleting(conversationId, messageId) {
      return markMessage.immediate(conversationId, messageId);
    },
    async markAttachmentDeleting(id, seen) {
      return sql.markOne.run(id, seen.state, seen.claimedAt).changes === 1;
    },
    async listAttachmentsToSweep({ pendingBefore, claimedBefore, limit }) {
      if (limit <= 0) return [];
      return sql.sweep.all(pendingBefore, claimedBefore, limit).map(toAttachment);
    },
    async removeAttachment(id) {
      sql.remove.run(id);
    },
    async attachmentBytes(uploaderId) {
      return sql.bytes.get(uploaderId)?.n ?? 0;
    },
  };
}
