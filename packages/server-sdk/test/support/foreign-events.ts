import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Db } from 'mongodb';
import type { AppendInput, ChatStore } from '../../src/store/types.js';
import type { WriteForeignEvent } from '../../src/testing/fixtures.js';

/**
 * Each built-in store's `writeForeignEvent` for the conformance kit: what the next release's
 * append would leave in the database (a kind this version does not know, fields it does not read).
 */

/** Memory: a newer release is the same code with more kinds, so its append is this one's. Extra fields have nowhere to go. */
export function memoryForeignWriter(store: ChatStore): WriteForeignEvent {
  return async ({ extra: _extra, ...event }) => {
    const { event: stored } = await store.append(event as unknown as AppendInput);
    return { id: stored.id, seq: stored.seq };
  };
}

/** SQLite: the event row at the end of the log, each extra field in a column a newer step added. */
export function sqliteForeignWriter(db: Database): WriteForeignEvent {
  return async (event) => {
    const extras = Object.entries(event.extra).map(([key, value]) => [`x_${key.replace(/\W/g, '_')}`, value] as const);
    const columns = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(parley_events)').all().map((c) => c.name));
    for (const [column] of extras) if (!columns.has(column)) db.exec(`ALTER TABLE parley_events ADD COLUMN ${column}`);
    const id = `e_${randomUUID()}`;
    const write = db.transaction(() => {
      const { seq } = db
        .prepare<[string], { seq: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM parley_events WHERE conversation_id = ?')
        .get(event.conversationId)!;
      const names = ['conversation_id', 'seq', 'id', 'sender_id', 'client_msg_id', 'ts', 'kind', 'data', ...extras.map(([c]) => c)];
      const values = [event.conversationId, seq, id, event.senderId, event.clientMsgId, event.ts, event.kind, JSON.stringify(event.data)];
      values.push(...extras.map(([, value]) => (typeof value === 'boolean' ? Number(value) : value)));
      db.prepare(`INSERT INTO parley_events (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...values);
      db.prepare('UPDATE parley_conversations SET last_seq = MAX(last_seq, ?), last_activity_at = MAX(last_activity_at, ?) WHERE id = ?').run(
        seq,
        event.ts,
        event.conversationId,
      );
      return seq;
    });
    return { id, seq: write.immediate() };
  };
}

/** MongoDB: the event document at the end of the log, extra fields beside the known ones. */
export function mongoForeignWriter(db: Db, prefix = 'parley_'): WriteForeignEvent {
  return async (event) => {
    const events = db.collection<{ _id: string; conversationId: string; seq: number }>(`${prefix}events`);
    const [last] = await events.find({ conversationId: event.conversationId }).sort({ seq: -1 }).limit(1).toArray();
    const seq = (last?.seq ?? 0) + 1;
    const id = `e_${randomUUID()}`;
    const { extra, ...known } = event;
    await events.insertOne({ ...extra, ...known, _id: id, seq });
    await db.collection<{ _id: string }>(`${prefix}conversations`).updateOne(
      { _id: event.conversationId },
      { $max: { lastSeq: seq, lastActivityAt: event.ts } },
    );
    return { id, seq };
  };
}
