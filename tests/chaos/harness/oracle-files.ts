import type { LogEvent } from '@parley/protocol';
import { createDiskBlobStore, type ChatStore } from '@parley/server-sdk';
import type { SentRecord } from './world.js';

export interface FilesReport {
  violations: string[];
  /** Messages the harness sent with files. */
  sent: number;
  /** Of the messages in the logs now (not deleted), those carrying files, and their objects. */
  stored: number;
  objects: number;
  /** Upload records held by a stored message. */
  records: number;
}

/**
 * The promise about files, after the chaos: no stored message names an object that is missing or
 * of another size (a sweep must never take a held file, a crash must never leave a message ahead
 * of its upload), every file a message carries has its record held by that message, and every
 * message the harness sent with files that was stored carries exactly those files, in order.
 */
export async function checkFiles(
  store: ChatStore,
  logs: ReadonlyMap<string, readonly LogEvent[]>,
  sent: readonly SentRecord[],
  blobDir: string,
  secret: string,
): Promise<FilesReport> {
  const blobs = createDiskBlobStore({ dir: blobDir, secret: `chaos-files-${secret}`, publicUrl: '/blobs' });
  const violations: string[] = [];
  let stored = 0;
  let objects = 0;
  let records = 0;
  const byClientMsgId = new Map<string, Extract<LogEvent, { kind: 'message' }>>();
  const deleted = new Set<number>();
  for (const [conversationId, log] of logs) {
    for (const event of log) {
      if (event.kind === 'message.deleted') deleted.add(event.data.messageSeq);
    }
    for (const event of log) {
      if (event.kind !== 'message') continue;
      byClientMsgId.set(`${conversationId}\n${event.senderId}\n${event.clientMsgId}`, event);
      const files = event.data.attachments;
      if (!files || deleted.has(event.seq)) continue;
      stored++;
      const held = await store.getAttachments(conversationId, files.map((f) => f.id));
      for (const file of files) {
        objects++;
        const stat = await blobs.stat(`a/${file.id}`);
        if (!stat) violations.push(`${conversationId}#${event.seq}: its file ${file.name} (${file.id}) has no object`);
        else if (stat.size !== file.size) violations.push(`${conversationId}#${event.seq}: its file ${file.name} has ${stat.size} bytes, the message says ${file.size}`);
        const record = held.find((r) => r.id === file.id);
        if (!record) violations.push(`${conversationId}#${event.seq}: its file ${file.name} (${file.id}) has no upload record`);
        else if (record.state !== 'attached' || record.messageId !== event.id) {
          violations.push(`${conversationId}#${event.seq}: the record of ${file.name} is ${record.state}, held by ${record.messageId ?? 'nothing'}`);
        } else records++;
      }
    }
  }
  const withFiles = sent.filter((s) => s.files);
  for (const record of withFiles) {
    const event = byClientMsgId.get(`${record.conversationId}\n${record.device.userId}\n${record.clientMsgId}`);
    if (!event || deleted.has(event.seq)) continue; // lost or shown failed: the main oracle judges that
    const got = (event.data.attachments ?? []).map((f) => `${f.name}:${f.size}:${f.mimeType}`);
    const want = record.files!.map((f) => `${f.name}:${f.size}:${f.mimeType}`);
    if (got.join('|') !== want.join('|')) violations.push(`${record.text}: stored with files [${got.join(', ')}], sent with [${want.join(', ')}]`);
  }
  await blobs.close?.();
  return { violations, sent: withFiles.length, stored, objects, records };
}
