import type { AttachmentStore, StoredAttachment } from './attachment-types.js';

const copy = (a: StoredAttachment): StoredAttachment => structuredClone(a);

/** The memory store's upload records: a map, each method without an await (atomic). */
export function createMemoryAttachments(): AttachmentStore {
  const records = new Map<string, StoredAttachment>();
  const inConversation = (conversationId: string, id: string) => {
    const record = records.get(id);
    return record && record.conversationId === conversationId ? record : undefined;
  };
  return {
    async insertAttachment(attachment) {
      if (records.has(attachment.id)) throw new Error(`attachment ${attachment.id} exists`);
      records.set(attachment.id, copy(attachment));
    },
    async getAttachments(conversationId, ids) {
      return ids.flatMap((id) => {
        const record = inConversation(conversationId, id);
        return record ? [copy(record)] : [];
      });
    },
    async claimAttachments(conversationId, uploaderId, ids, clientMsgId, now) {
      return ids.flatMap((id) => {
        const record = inConversation(conversationId, id);
        if (!record || record.uploaderId !== uploaderId) return [];
        const mine = (record.state === 'claimed' || record.state === 'attached') && record.clientMsgId === clientMsgId;
        if (record.state !== 'pending' && !mine) return [];
        if (record.state === 'pending') record.state = 'claimed';
        record.clientMsgId = clientMsgId;
        record.claimedAt = now;
        return [copy(record)];
      });
    },
    async attachAttachments(conversationId, ids, clientMsgId, messageId) {
      for (const id of ids) {
        const record = inConversation(conversationId, id);
        if (record?.state === 'claimed' && record.clientMsgId === clientMsgId) {
          record.state = 'attached';
          record.messageId = messageId;
        }
      }
    },
    async markMessageAttachmentsDeleting(conversationId, messageId) {
      const out: StoredAttachment[] = [];
      for (const record of records.values()) {
        if (record.conversationId !== conversationId || record.messageId !== messageId) continue;
        if (record.state === 'attached') record.state = 'deleting';
        if (record.state === 'deleting') out.push(copy(record));
      }
      return out;
    },
    async markAttachmentDeleting(id, seen) {
      const record = records.get(id);
      if (!record || record.state !== seen.state || record.claimedAt !== seen.claimedAt) return false;
      record.state = 'deleting';
      return true;
    },
    async listAttachmentsToSweep({ pendingBefore, claimedBefore, limit }) {
      return [...records.values()]
        .filter((r) => r.state === 'deleting' || (r.state === 'pending' && r.createdAt < pendingBefore) || (r.state === 'claimed' && (r.claimedAt ?? 0) < claimedBefore))
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .slice(0, Math.max(0, limit))
        .map(copy);
    },
    async removeAttachment(id) {
      records.delete(id);
    },
    async attachmentBytes(uploaderId) {
      let bytes = 0;
      for (const record of records.values()) if (record.uploaderId === uploaderId && record.state !== 'deleting') bytes += record.size;
      return bytes;
    },
  };
}
