import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult } from '@parley/server-sdk';
import { SQLITE_SCHEMA_VERSION, createSqliteStore } from '@parley/server-sdk/sqlite';
import { releaseFile } from './releases.js';
import { releaseDatabases } from './release-database.js';

// The protocol-3 release's SQLite file, migrated by today's store to the message-content schema
// (parley_mentions): an additive step, so the version moves and readable_from does not. What the
// previous release's own store then does with the file is checked too, as it is.

interface Expected {
  conversations: { conversation: { id: string; title: string | null; lastSeq: number }; members: { userId: string; readSeq: number }[]; events: { id: string }[] }[];
}
/** The part of the protocol-3 release's store this test uses (its bundle has no types). */
interface ReleaseStore {
  append(input: AppendInput): Promise<AppendResult>;
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LogEvent[]>;
  close(): Promise<void>;
}
type ReleaseSqlite = { SQLITE_SCHEMA_VERSION: number; createSqliteStore(target: { filename: string }): ReleaseStore };

const expected = JSON.parse(readFileSync(releaseFile('protocol-3', 'parley.expected.json'), 'utf8')) as Expected;
const team = expected.conversations.find((c) => c.conversation.title === 'team')!;
const loadRelease = async () => (await import(pathToFileURL(releaseFile('protocol-3', 'server-sqlite.mjs')).href)) as ReleaseSqlite;

const databases = releaseDatabases();
const copyOfFixture = (): string => databases.copy('protocol-3');
/** The schema row as any build reads it; readable_from is null when no build wrote one. */
function schemaOf(filename: string): { version: number; readableFrom: number | null; tables: string[] } {
  const db = new BetterSqlite3(filename, { readonly: true });
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(parley_schema)').all().map((c) => c.name);
  const row = db.prepare(`SELECT version${columns.includes('readable_from') ? ', readable_from' : ', NULL AS readable_from'} FROM parley_schema WHERE id = 1`).get() as { version: number; readable_from: number | null };
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'parley_%'").all().map((t) => t.name);
  db.close();
  return { version: row.version, readableFrom: row.readable_from, tables };
}
const mention = (store: { append(input: AppendInput): Promise<AppendResult> }, senderId: string, clientMsgId: string, mentions: string[]) =>
  store.append({ conversationId: team.conversation.id, senderId, clientMsgId, ts: Date.now(), kind: 'message', data: { text: 'look', mentions } });

describe('the protocol-3 SQLite file, migrated to the message-content schema', () => {
  it('moves the version with an additive step, keeps every message and counts mentions from there on', async () => {
    const filename = copyOfFixture();
    const before = schemaOf(filename);
    expect(before.version).toBe(2);
    const store = createSqliteStore({ filename });
    try {
      const after = schemaOf(filename);
      expect(after.version).toBe(SQLITE_SCHEMA_VERSION);
      expect(after.version).toBeGreaterThan(before.version);
      // Additive: the file stays readable by the schema the previous release wrote.
      expect(after.readableFrom).not.toBeNull();
      expect(after.readableFrom!).toBeLessThanOrEqual(before.version);
      expect(after.tables).toContain('parley_mentions');

      for (const { conversation, members, events } of expected.conversations) {
        const log = await store.readAfter(conversation.id, 0, 1000);
        expect(log.map((e) => e.id)).toEqual(events.map((e) => e.id));
        expect(await store.getEvent(conversation.id, events.at(-1)!.id)).toEqual(log.at(-1));
        for (const { userId, readSeq } of members) {
          expect(await store.countUnreadMentions(conversation.id, userId, 0)).toBe(0);
          expect(await store.countUnreadMentions(conversation.id, userId, readSeq)).toBe(0);
        }
      }

      const { event } = await mention(store, 'alice', 'cmid-mentions-bob', ['bob', 'carol']);
      expect(event.seq).toBe(team.conversation.lastSeq + 1);
      expect(await store.countUnreadMentions(team.conversation.id, 'bob', 0)).toBe(1);
      expect(await store.countUnreadMentions(team.conversation.id, 'carol', 10)).toBe(1);
      expect(await store.countUnreadMentions(team.conversation.id, 'carol', event.seq)).toBe(0);
      expect(await store.countUnreadMentions(team.conversation.id, 'alice', 0)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('keeps a previous-release node that had the file open working; the previous release refuses to open it anew', async () => {
    const filename = copyOfFixture();
    const release = await loadRelease();
    expect(release.SQLITE_SCHEMA_VERSION).toBe(2);
    const oldNode = release.createSqliteStore({ filename });
    const newNode = createSqliteStore({ filename });
    try {
      expect(schemaOf(filename).version).toBe(SQLITE_SCHEMA_VERSION);
      // The rolling deploy as it runs: the old node, open before the migration, keeps appending.
      const fromOld = await oldNode.append({
        conversationId: team.conversation.id, senderId: 'carol', clientMsgId: 'cmid-from-old-node', ts: Date.now(), kind: 'message', data: { text: 'old node' },
      });
      const fromNew = await mention(newNode, 'alice', 'cmid-from-new-node', ['carol']);
      expect([fromOld.event.seq, fromNew.event.seq]).toEqual([team.conversation.lastSeq + 1, team.conversation.lastSeq + 2]);
      expect((await oldNode.readAfter(team.conversation.id, team.conversation.lastSeq, 10)).map((e) => e.id)).toEqual([fromOld.event.id, fromNew.event.id]);
      expect(await newNode.countUnreadMentions(team.conversation.id, 'carol', 0)).toBe(1);
      // The protocol-3 release checks `version > its own` and nothing else (readable_from came
      // after it): a node of it started after the migration refuses the file.
      expect(() => release.createSqliteStore({ filename })).toThrow(`schema version ${SQLITE_SCHEMA_VERSION}, newer than this version of Parley supports (2)`);
    } finally {
      await oldNode.close();
      await newNode.close();
    }
  });

  it('rolls back as docs/storage.md says (version set back to 2), and upgrades again with its mentions intact', async () => {
    const filename = copyOfFixture();
    const first = createSqliteStore({ filename });
    await mention(first, 'alice', 'cmid-before-rollback', ['bob']);
    await first.close();
    const db = new BetterSqlite3(filename);
    db.prepare('UPDATE parley_schema SET version = 2 WHERE id = 1').run();
    db.close();
    const oldNode = (await loadRelease()).createSqliteStore({ filename });
    await oldNode.append({
      conversationId: team.conversation.id, senderId: 'carol', clientMsgId: 'cmid-during-rollback', ts: Date.now(), kind: 'message', data: { text: 'rolled back' },
    });
    await oldNode.close();
    const again = createSqliteStore({ filename });
    try {
      expect(schemaOf(filename)).toMatchObject({ version: SQLITE_SCHEMA_VERSION, readableFrom: 1 });
      await mention(again, 'carol', 'cmid-after-upgrade', ['bob']);
      expect(await again.countUnreadMentions(team.conversation.id, 'bob', 0)).toBe(2);
      expect(await again.countUnreadMentions(team.conversation.id, 'bob', team.conversation.lastSeq + 2)).toBe(1);
    } finally {
      await again.close();
    }
  });
});
