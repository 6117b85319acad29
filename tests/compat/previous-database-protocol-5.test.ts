import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { ChatStore, StoredConversation, StoredMember } from '@parley/server-sdk';
import { SQLITE_SCHEMA_VERSION, createSqliteStore } from '@parley/server-sdk/sqlite';
import { releaseFile } from './releases.js';
import { loadReleaseSqlite, releaseDatabases, schemaOf, type ReleaseLogStore } from './release-database.js';

// Protocol 6's store additions (group details, admins, mute, blocks, bans, reports: SQLite schema
// 5, additive) on the file the protocol-5 release wrote (schema 4): today's store reads its rows
// with no details, unmuted, as owners and members, and every new method works on them; and the
// protocol-5 release's own store still opens the upgraded file, reads it (admins and details
// included) and writes to it, as its nodes must during a rolling deploy.

interface Expected {
  release: string;
  conversations: {
    conversation: Omit<StoredConversation, 'image' | 'description' | 'custom' | 'slowModeMs'>;
    members: Pick<StoredMember, 'userId' | 'role' | 'joinedAt' | 'deliveredSeq' | 'readSeq'>[];
    events: Array<Pick<LogEvent, 'id' | 'seq'>>;
  }[];
}
/** The part of the protocol-5 release's store this test uses (its bundle has no types). */
interface ReleaseStore extends ReleaseLogStore {
  getConversation(conversationId: string): Promise<Record<string, unknown> | null>;
  getMember(conversationId: string, userId: string): Promise<Record<string, unknown> | null>;
  listMemberships(userId: string): Promise<Array<{ conversation: { id: string }; member: { role: string } }>>;
  addMembers(conversationId: string, userIds: string[], role: 'owner' | 'member', ts: number): Promise<string[]>;
}

const T = 1_800_000_000_000;
const NO_DETAILS = { image: null, description: null, custom: null, slowModeMs: null };
const expected = JSON.parse(readFileSync(releaseFile('protocol-5', 'parley.expected.json'), 'utf8')) as Expected;
const team = expected.conversations.find((c) => c.conversation.title === 'team')!;
const loadRelease = () => loadReleaseSqlite<ReleaseStore>('protocol-5');

const databases = releaseDatabases();
const copyOfFixture = (): string => databases.copy('protocol-5');
async function withStore<T>(filename: string, use: (store: ChatStore) => Promise<T>): Promise<T> {
  const store = createSqliteStore({ filename });
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Uses every protocol-6 method on the team group: details, an admin, a mute, a block, a ban, a report. */
async function useNewMethods(store: ChatStore): Promise<void> {
  const { id } = team.conversation;
  await store.updateConversation(id, { image: 'https://cdn.example/team.png', description: 'the team', custom: { color: 'teal' }, slowModeMs: 10_000 });
  await store.setRoles(id, [{ userId: 'carol', role: 'admin' }]);
  await store.setMutedUntil(id, 'bob', T + 3_600_000);
  await store.updateBlocks('alice', { block: ['mallory'] }, 1000, T);
  await store.addBans(id, ['dave'], T);
  await store.saveReport({ id: 'rep_1', conversationId: id, messageId: team.events[1]!.id, messageSeq: 2, reporterId: 'bob', reason: 'spam', createdAt: T, updatedAt: T });
}

describe('protocol 6 on a SQLite database written by the protocol-5 release', () => {
  it('upgrades the file additively (schema 4 to 5 and on, readable from 1); old rows read without details, unmuted, as owners and members', async () => {
    const filename = copyOfFixture();
    expect(expected.release).toBe('protocol-5');
    expect(schemaOf(filename).version).toBe(4);
    await withStore(filename, async (store) => {
      expect(SQLITE_SCHEMA_VERSION).toBe(8); // 6: attachments (previous-database-protocol-6.test.ts); 7: notifications; 8: search
      expect(schemaOf(filename)).toEqual({ version: 8, readable_from: 1 });
      for (const { conversation, members, events } of expected.conversations) {
        expect(await store.getConversation(conversation.id)).toEqual({ ...conversation, ...NO_DETAILS });
        const stored = await store.listMembers(conversation.id);
        expect(stored.map((m) => [m.userId, m.role, m.mutedUntil]).sort()).toEqual(members.map((m) => [m.userId, m.role, null]).sort());
        expect((await store.readAfter(conversation.id, 0, 1000)).map((e) => [e.id, e.seq])).toEqual(events.map((e) => [e.id, e.seq]));
        expect(await store.listBans(conversation.id)).toEqual([]);
      }
      expect((await store.listMemberships('alice')).every((row) => row.conversation.custom === null && row.member.mutedUntil === null)).toBe(true);
      expect(await store.listBlocks('alice')).toEqual([]);
      expect(await store.listReports({ limit: 10 })).toEqual([]);
    });
  });

  it('runs every new method on the old rows, and keeps what they wrote across a restart', async () => {
    const filename = copyOfFixture();
    const { id } = team.conversation;
    await withStore(filename, useNewMethods);
    await withStore(filename, async (store) => {
      expect(await store.getConversation(id)).toMatchObject({ image: 'https://cdn.example/team.png', description: 'the team', custom: { color: 'teal' }, slowModeMs: 10_000 });
      expect(await store.getMember(id, 'bob')).toMatchObject({ role: 'member', mutedUntil: T + 3_600_000 });
      expect(await store.listBlocks('alice')).toEqual(['mallory']);
      expect(await store.blockedBetween('mallory', ['alice'])).toEqual(['alice']);
      expect(await store.filterBanned(id, ['dave', 'bob'])).toEqual(['dave']);
      expect((await store.listReports({ conversationId: id, limit: 10 })).map((r) => r.id)).toEqual(['rep_1']);
      // The heir rule on old members: carol (now admin) inherits before the longer-standing bob.
      await store.removeMembers(id, ['alice']);
      expect((await store.getMember(id, 'carol'))?.role).toBe('owner');
      expect((await store.getMember(id, 'bob'))?.role).toBe('member');
    });
  });

  it('keeps a protocol-5 node working on the upgraded file: it reads the log, admins and details rows, and writes', async () => {
    const filename = copyOfFixture();
    const { id, lastSeq } = team.conversation;
    await withStore(filename, useNewMethods);
    const release = await loadRelease();
    expect(release.SQLITE_SCHEMA_VERSION).toBe(4);
    const warnings: string[] = [];
    const oldNode = release.createSqliteStore({ filename }, { logger: { warn: (message) => void warnings.push(message) } });
    try {
      expect(warnings).toHaveLength(1); // a newer file it may use: said once
      expect((await oldNode.readAfter(id, 0, 1000)).map((e) => [e.id, e.seq])).toEqual(team.events.map((e) => [e.id, e.seq]));
      expect(await oldNode.getConversation(id)).toMatchObject({ id, title: 'team', lastSeq });
      expect(await oldNode.getMember(id, 'carol')).toMatchObject({ role: 'admin' });
      expect((await oldNode.listMemberships('carol')).map((row) => row.conversation.id)).toContain(id);
      expect(await oldNode.addMembers(id, ['erin'], 'member', T + 5)).toEqual(['erin']);
      const { event } = await oldNode.append({ conversationId: id, senderId: 'carol', clientMsgId: 'cmid-old-node', ts: T + 6, kind: 'message', data: { text: 'from the old node' } });
      expect(event.seq).toBe(lastSeq + 1);
    } finally {
      await oldNode.close();
    }
    await withStore(filename, async (store) => {
      expect(await store.getMember(id, 'erin')).toMatchObject({ role: 'member', mutedUntil: null });
      expect((await store.readAfter(id, lastSeq, 10)).map((e) => e.senderId)).toEqual(['carol']);
      expect(await store.getConversation(id)).toMatchObject({ description: 'the team', lastSeq: lastSeq + 1 });
    });
  });
});
