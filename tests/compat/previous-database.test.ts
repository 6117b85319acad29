import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { ChatStore, StoredConversation, StoredMember } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { testScope } from '../helpers/scope.js';
import { online, texts, waitFor } from '../helpers/sdk.js';
import { releaseFile } from './releases.js';

// A SQLite file the protocol-3 release wrote (tests/fixtures/releases/make-sqlite-fixture.mjs),
// with what that release read back from it. Today's store must open it (migrating a copy) and
// find every row: upgrading a reference server must never lose a conversation.

const LONG = 60_000;
type Member = Pick<StoredMember, 'userId' | 'role' | 'joinedAt' | 'deliveredSeq' | 'readSeq'>;
/** The fields both releases share; system events have no clientMsgId. */
interface Event {
  id: string;
  seq: number;
  kind: LogEvent['kind'];
  senderId: string;
  clientMsgId?: string;
  ts: number;
  data: LogEvent['data'];
}
const fieldsOf = (e: LogEvent): Event => {
  const { id, seq, kind, senderId, ts, data } = e;
  return { id, seq, kind, senderId, ts, data, ...(e.kind === 'message' ? { clientMsgId: e.clientMsgId } : {}) };
};
interface Expected {
  conversations: { conversation: StoredConversation; members: Member[]; removed: string[]; events: Event[] }[];
}

const FIXTURE = releaseFile('protocol-3', 'parley.sqlite');
const expected = JSON.parse(readFileSync(releaseFile('protocol-3', 'parley.expected.json'), 'utf8')) as Expected;
const byTitle = (title: string | null) => expected.conversations.find((c) => c.conversation.title === title)!;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const messages = (events: readonly Event[]) => events.filter((e) => e.kind === 'message');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The store on a fresh copy: migrations write to the file, and the fixture must stay as made. */
function openCopy(): ChatStore {
  const dir = mkdtempSync(join(tmpdir(), 'parley-previous-db-'));
  dirs.push(dir);
  copyFileSync(FIXTURE, join(dir, 'parley.sqlite'));
  return createSqliteStore({ filename: join(dir, 'parley.sqlite') });
}

describe('a SQLite database written by the protocol-3 release', () => {
  const scope = testScope();

  it('holds the fixture it claims to: conversations of both kinds, ~50 messages, a removed member', () => {
    expect(expected.conversations.map((c) => c.conversation.kind).sort()).toEqual(['direct', 'group', 'group']);
    expect(expected.conversations.flatMap((c) => messages(c.events)).length).toBeGreaterThanOrEqual(50);
    expect(byTitle('team').removed).toEqual(['dave']);
  });

  it('opens with the current store: every conversation, member, watermark and event is there', async () => {
    const before = sha(FIXTURE);
    const store = openCopy();
    try {
      for (const { conversation, members, removed, events } of expected.conversations) {
        expect(await store.getConversation(conversation.id)).toMatchObject(conversation);
        const now = await store.listMembers(conversation.id);
        expect(now.map(({ userId, role, joinedAt, deliveredSeq, readSeq }) => ({ userId, role, joinedAt, deliveredSeq, readSeq })).sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
          [...members].sort((a, b) => a.userId.localeCompare(b.userId)),
        );
        for (const userId of removed) expect(await store.getMember(conversation.id, userId)).toBeNull();
        const log = await store.readAfter(conversation.id, 0, 1000);
        expect(log.map(fieldsOf)).toEqual(events);
      }
      const daves = await store.listMemberships('dave', { limit: 100 });
      expect(daves.map((m) => m.conversation.id)).not.toContain(byTitle('team').conversation.id);
    } finally {
      await store.close();
    }
    expect(sha(FIXTURE)).toBe(before);
  });

  it('serves its history to a current client, and a new message continues the seq', async () => {
    const server = await scope.server({ store: openCopy() });
    const alice = scope.client(server, 'alice');
    const bob = scope.client(server, 'bob');
    await waitFor(alice, online, LONG, 'alice online');
    for (const { conversation, events } of expected.conversations) {
      const want = messages(events);
      await waitFor(alice, (c) => texts(c, conversation.id).length === want.length, LONG, `alice to sync ${conversation.title ?? 'the direct chat'}`);
      const got = alice.getMessages(conversation.id);
      expect(got.map((m) => [m.seq, m.senderId, m.text, m.clientMsgId])).toEqual(
        want.map((e) => [e.seq, e.senderId, (e.data as { text: string }).text, e.clientMsgId]),
      );
    }
    // Bob's read watermark from before the upgrade shows as read on alice's side.
    const direct = byTitle(null).conversation;
    expect(alice.getMessages(direct.id).findLast((m) => m.senderId === 'alice')?.receipt).toBe('read');

    const team = byTitle('team').conversation;
    const view = await alice.send(team.id, 'after the upgrade');
    await waitFor(bob, (c) => texts(c, team.id).includes('after the upgrade'), LONG, 'bob to receive the new message');
    const stored = await server.store.findEvent(team.id, 'alice', view.clientMsgId!);
    expect(stored?.seq).toBe(team.lastSeq + 1);
    expect(bob.getMessages(team.id).at(-1)).toMatchObject({ seq: team.lastSeq + 1, text: 'after the upgrade' });
  }, 3 * LONG);
});
