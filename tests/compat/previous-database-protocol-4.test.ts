import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogEvent, MessageData } from '@parley/protocol';
import type { ChatStore, StoredConversation } from '@parley/server-sdk';
import { SQLITE_SCHEMA_VERSION, createSqliteStore } from '@parley/server-sdk/sqlite';
import { releaseFile } from './releases.js';
import { loadReleaseSqlite, releaseDatabases, schemaOf } from './release-database.js';

// The protocol-4 release's SQLite file (tests/fixtures/releases/make-sqlite-fixture.mjs protocol-4):
// messages with app data, mentions and replies quoting other messages. Today's store migrates a
// copy to schema 4 (lanes, quote_seq): every event must read back as that release read it, the
// old messages make up the timeline lane, and erasing an old quoted message must empty the
// preview of an old reply, which only a backfilled quote_seq can find.

interface Event {
  id: string;
  seq: number;
  kind: LogEvent['kind'];
  senderId: string;
  clientMsgId?: string;
  ts: number;
  data: LogEvent['data'];
}
interface Expected {
  release: string;
  conversations: { conversation: StoredConversation; events: Event[] }[];
}

const expected = JSON.parse(readFileSync(releaseFile('protocol-4', 'parley.expected.json'), 'utf8')) as Expected;
const club = expected.conversations.find((c) => c.conversation.title === 'book club')!;
const messageData = (e: Event) => e.data as MessageData;
const byText = (text: string) => club.events.find((e) => e.kind === 'message' && messageData(e).text === text)!;
const loadRelease = () => loadReleaseSqlite('protocol-4');

const databases = releaseDatabases();
const copyOfFixture = (): string => databases.copy('protocol-4');
const fieldsOf = ({ id, seq, kind, senderId, ts, data, ...rest }: LogEvent): Event => ({
  id, seq, kind, senderId, ts, data, ...('clientMsgId' in rest ? { clientMsgId: rest.clientMsgId } : {}),
});

async function withStore<T>(filename: string, use: (store: ChatStore) => Promise<T>): Promise<T> {
  const store = createSqliteStore({ filename });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe('a SQLite database written by the protocol-4 release', () => {
  it('holds the fixture it claims to: app data, a message without text, mentions, replies quoting others', () => {
    const all = expected.conversations.flatMap((c) => c.events).filter((e) => e.kind === 'message');
    expect(expected.release).toBe('protocol-4');
    expect(all.length).toBeGreaterThanOrEqual(55);
    expect(all.filter((e) => messageData(e).custom !== undefined).length).toBeGreaterThanOrEqual(2);
    expect(all.some((e) => messageData(e).text === undefined)).toBe(true);
    expect(all.filter((e) => messageData(e).mentions?.length).length).toBeGreaterThanOrEqual(2);
    expect(all.filter((e) => messageData(e).replyTo?.preview).length).toBeGreaterThanOrEqual(4);
    // A copy: even a read-only open of a WAL file leaves -wal and -shm files beside it.
    expect(schemaOf(copyOfFixture()).version).toBe(3);
  });

  it('migrates to schema 4 (and on) additively; every event reads back as the release read it, and the old messages are the timeline', async () => {
    const filename = copyOfFixture();
    await withStore(filename, async (store) => {
      expect(schemaOf(filename)).toEqual({ version: SQLITE_SCHEMA_VERSION, readable_from: 1 });
      expect(SQLITE_SCHEMA_VERSION).toBe(8); // 4: lanes and quotes; 5: the webhook queue (previous-database-webhooks.test.ts); 6: attachments; 7: notifications; 8: search (previous-database-protocol-8.test.ts)
      for (const { conversation, events } of expected.conversations) {
        const log = await store.readAfter(conversation.id, 0, 1000);
        expect(log.map(fieldsOf)).toEqual(events);
        for (const event of log) expect(await store.getEvent(conversation.id, event.id)).toEqual(event);
        // No release before this one wrote changes or threads: the whole log is lane 0.
        expect(await store.readLane(conversation.id, 0, conversation.lastSeq + 1, 1000)).toEqual(log);
        expect(await store.readLane(conversation.id, 0, conversation.lastSeq + 1, 5)).toEqual(log.slice(-5));
        const seqs = log.map((e) => e.seq);
        expect(await store.readChanges(conversation.id, seqs, conversation.lastSeq)).toEqual([]);
        expect(await store.countReplies(conversation.id, seqs, conversation.lastSeq)).toEqual(new Map());
      }
    });
  });

  it('erases an old quoted message: its content, and the preview in the old replies quoting it (quote_seq was backfilled)', async () => {
    const filename = copyOfFixture();
    const order = byText('the order');
    const first = byText('club 0');
    const replies = club.events.filter((e) => messageData(e).replyTo?.seq === order.seq || messageData(e).replyTo?.seq === first.seq);
    expect(replies.map((e) => messageData(e).text).sort()).toEqual(['quoting the order', 'replying to the first']);
    await withStore(filename, async (store) => {
      const { id } = club.conversation;
      await store.eraseMessage(id, order.seq);
      await store.eraseMessage(id, first.seq);
      const log = await store.readAfter(id, 0, 1000);
      expect(log.find((e) => e.seq === order.seq)?.data).toEqual({ erased: true });
      expect((await store.getEvent(id, first.id))?.data).toEqual({ erased: true });
      for (const reply of replies) {
        const data = messageData(reply);
        expect((await store.getEvent(id, reply.id))?.data).toEqual({ ...data, replyTo: { ...data.replyTo, preview: '' } });
      }
      const touched = new Set([order.seq, first.seq, ...replies.map((e) => e.seq)]);
      expect(log.filter((e) => !touched.has(e.seq)).map(fieldsOf)).toEqual(club.events.filter((e) => !touched.has(e.seq)));
      expect(JSON.stringify(log)).not.toContain('A-1042');
    });
  });

  it('keeps a protocol-4 node working on the migrated file: its inserts are timeline events and its replies are found by erasure', async () => {
    const filename = copyOfFixture();
    const newNode = createSqliteStore({ filename });
    const warnings: string[] = [];
    // A protocol-4 node started after the migration: the file says it is readable from schema 1.
    const oldNode = (await loadRelease()).createSqliteStore({ filename }, { logger: { warn: (message) => void warnings.push(message) } });
    try {
      expect(warnings).toHaveLength(1);
      const { id, lastSeq } = club.conversation;
      const quoted = byText('club 1');
      const replyTo = { messageId: quoted.id, seq: quoted.seq, senderId: quoted.senderId, preview: 'club 1' };
      const fromOld = await oldNode.append({ conversationId: id, senderId: 'carol', clientMsgId: 'cmid-old-node', ts: Date.now(), kind: 'message', data: { text: 'old node quoting', replyTo } });
      expect(fromOld.event.seq).toBe(lastSeq + 1);
      expect((await newNode.readLane(id, 0, lastSeq + 2, 1)).map((e) => e.id)).toEqual([fromOld.event.id]);
      await newNode.eraseMessage(id, quoted.seq);
      expect((await newNode.getEvent(id, fromOld.event.id))?.data).toEqual({ text: 'old node quoting', replyTo: { ...replyTo, preview: '' } });
      expect((await oldNode.readAfter(id, lastSeq, 1))[0]?.data).toEqual({ text: 'old node quoting', replyTo: { ...replyTo, preview: '' } });
    } finally {
      await oldNode.close();
      await newNode.close();
    }
  });
});
