import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppendInput, ChatStore, StoredConversation } from '../store/types.js';
import { createMemoryStore } from '../store/memory-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { MembershipCache } from './membership-cache.js';

/** A real store, with its member-list reads counted and its log reads optionally cut short. */
function counted(store: ChatStore) {
  const calls = { listMembers: 0, readAfter: 0 };
  let hideNewest = false;
  const wrapped: ChatStore = Object.create(store);
  wrapped.listMembers = (...args) => (calls.listMembers++, store.listMembers(...args));
  wrapped.readAfter = async (id, after, limit) => {
    calls.readAfter++;
    const events = await store.readAfter(id, after, limit);
    return hideNewest ? events.slice(0, -1) : events;
  };
  return { store: wrapped, calls, hideNewest: (on: boolean) => void (hideNewest = on) };
}

const dir = mkdtempSync(join(tmpdir(), 'parley-membership-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Two "nodes": two stores on the same data (two connections to one SQLite file, or one memory store), a cache each. */
const STORES: [string, () => { a: ChatStore; b: ChatStore }][] = [
  ['memory', () => {
    const store = createMemoryStore();
    return { a: store, b: store };
  }],
  ['SQLite, two connections to one file', () => {
    const filename = join(dir, `${++files}.sqlite`);
    return { a: createSqliteStore({ filename }), b: createSqliteStore({ filename }) };
  }],
];

describe.each(STORES)('MembershipCache on %s', (_name, open) => {
  let n = 0;
  async function setup() {
    const { a, b } = open();
    const id = `g${++n}`;
    await a.createConversation({ id, kind: 'group', title: 't', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: 1 });
    const onB = counted(b);
    const cacheA = new MembershipCache(a);
    const cacheB = new MembershipCache(onB.store);
    const conv = async (store: ChatStore = b) => (await store.getConversation(id)) as StoredConversation;
    let k = 0;
    const message = (senderId: string): AppendInput => ({ conversationId: id, senderId, clientMsgId: `m${++k}`, ts: 2, kind: 'message', data: { text: 'hi' } });
    /** A membership change as the server makes it: the change, then its event. */
    const remove = async (userId: string) => {
      await a.removeMembers(id, [userId]);
      await a.append({ conversationId: id, senderId: 'alice', clientMsgId: `rm-${userId}-${++k}`, ts: 3, kind: 'members.removed', data: { userIds: [userId] } });
    };
    const add = async (userId: string) => {
      await a.addMembers(id, [userId], 'member', 3);
      await a.append({ conversationId: id, senderId: 'alice', clientMsgId: `add-${userId}-${++k}`, ts: 3, kind: 'members.added', data: { userIds: [userId] } });
    };
    return { id, a, b, onB, cacheA, cacheB, conv, message, remove, add };
  }

  it('reads the member list once; a send in a quiet conversation then reads no member, and the fan-out list is known', async () => {
    const { id, b, onB, cacheB, conv, message } = await setup();
    expect(await cacheB.member(await conv(), 'bob')).toEqual({ userId: 'bob', role: 'member' });
    expect(onB.calls.listMembers).toBe(1);
    for (let i = 0; i < 5; i++) {
      expect(await cacheB.member(await conv(), 'alice')).toEqual({ userId: 'alice', role: 'owner' });
      const { event } = await b.append(message('alice'));
      cacheB.observe(event);
      expect(cacheB.membersAt(id, event.seq)?.sort()).toEqual(['alice', 'bob']);
    }
    expect(onB.calls).toEqual({ listMembers: 1, readAfter: 0 });
    expect(await cacheB.member(await conv(), 'carol')).toBeNull();
  });

  it('refuses a member removed on the other node at the next check, and does not vouch for the fan-out past the removal', async () => {
    const { id, cacheB, conv, remove } = await setup();
    expect(await cacheB.member(await conv(), 'bob')).not.toBeNull();
    const warm = (await conv()).lastSeq;
    expect(cacheB.membersAt(id, warm)).toBeDefined();
    await remove('bob');
    expect(await cacheB.member(await conv(), 'bob')).toBeNull();
    expect(cacheB.membersAt(id, (await conv()).lastSeq)?.sort()).toEqual(['alice']);
  });

  it('does not vouch for members past a removal it has not read, even after storing a message behind it', async () => {
    const { id, b, cacheB, conv, remove, message } = await setup();
    await cacheB.member(await conv(), 'bob');
    await remove('bob');
    expect(cacheB.membersAt(id, (await conv()).lastSeq)).toBeUndefined();
    // This node stores the next message and sees it; the removal before it, stored elsewhere, it never saw.
    const { event } = await b.append(message('alice'));
    cacheB.observe(event);
    expect(cacheB.membersAt(id, event.seq)).toBeUndefined();
    expect(await cacheB.member(await conv(), 'bob')).toBeNull();
  });

  it('admits a member added on the other node, and sees a role changed there', async () => {
    const { id, a, cacheB, conv, add } = await setup();
    expect(await cacheB.member(await conv(), 'carol')).toBeNull();
    await add('carol');
    expect(await cacheB.member(await conv(), 'carol')).toEqual({ userId: 'carol', role: 'member' });
    await a.appendChange({ conversationId: id, senderId: 'alice', clientMsgId: 'role-1', ts: 4, kind: 'members.role', data: { changes: [{ userId: 'carol', role: 'admin' }] } });
    expect(await cacheB.member(await conv(), 'carol')).toEqual({ userId: 'carol', role: 'admin' });
  });

  it('reads messages another node stored as events (not the member list), and reads the list again when the gap is long', async () => {
    const { a, onB, cacheB, conv, message } = await setup();
    await cacheB.member(await conv(), 'bob');
    for (let i = 0; i < 3; i++) await a.append(message('alice'));
    expect(await cacheB.member(await conv(), 'bob')).not.toBeNull();
    expect(onB.calls).toEqual({ listMembers: 1, readAfter: 1 });
    for (let i = 0; i < 60; i++) await a.append(message('alice'));
    expect(await cacheB.member(await conv(), 'bob')).not.toBeNull();
    expect(onB.calls).toEqual({ listMembers: 2, readAfter: 1 });
  });

  it('does not take an event it cannot read yet for a harmless one', async () => {
    const { onB, cacheB, conv, remove, message, a } = await setup();
    await cacheB.member(await conv(), 'bob');
    await a.append(message('alice'));
    await remove('bob');
    onB.hideNewest(true);
    expect(await cacheB.member(await conv(), 'bob')).toBeNull();
    expect(onB.calls.listMembers).toBe(2);
  });

  it('sees a change made to the store without an event once the list ages out', async () => {
    const { id, a, b } = await setup();
    let now = 0;
    const cache = new MembershipCache(b, { maxAgeMs: 1_000, now: () => now });
    const conv = async () => (await b.getConversation(id)) as StoredConversation;
    expect(await cache.member(await conv(), 'bob')).not.toBeNull();
    await a.removeMembers(id, ['bob']);
    now += 500;
    expect(await cache.member(await conv(), 'bob')).not.toBeNull();
    now += 501;
    expect(await cache.member(await conv(), 'bob')).toBeNull();
  });

  it('a node that stored a membership change forgets the list at once', async () => {
    const { id, cacheA, a, conv } = await setup();
    expect(await cacheA.member(await conv(a), 'bob')).not.toBeNull();
    await a.removeMembers(id, ['bob']);
    const { event } = await a.append({ conversationId: id, senderId: 'alice', clientMsgId: 'rm', ts: 3, kind: 'members.removed', data: { userIds: ['bob'] } });
    cacheA.observe(event);
    expect(cacheA.membersAt(id, event.seq)).toBeUndefined();
    expect(await cacheA.member(await conv(a), 'bob')).toBeNull();
  });

  it('keeps at most maxConversations lists', async () => {
    const { id, a, b, conv } = await setup();
    const other = `${id}-other`;
    await a.createConversation({ id: other, kind: 'group', title: 't', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: 1 });
    const cache = new MembershipCache(b, { maxConversations: 1 });
    await cache.member(await conv(), 'bob');
    const seq = (await conv()).lastSeq;
    expect(cache.membersAt(id, seq)).toBeDefined();
    await cache.member((await b.getConversation(other)) as StoredConversation, 'bob');
    expect(cache.membersAt(id, seq)).toBeUndefined();
  });
});
