import { expect } from 'vitest';
import type { ConversationPatch, LogEvent, RoleChange } from '@parley/protocol';
import type { ChangeResult, ChatStore, StoredConversation } from '../store/types.js';
import { patchedDetails } from '../store/moderation-helpers.js';
import { T0, createGroup, logProblems, readWholeLog, type StoreCheck } from './fixtures.js';

/** Group changes with their events (`appendChange`): atomic, idempotent, and the log says what the store holds. */

const details = (c: StoredConversation | null) => c && { title: c.title, image: c.image, description: c.description, custom: c.custom, slowModeMs: c.slowModeMs };

/** The details and roles a device folding the log holds. */
function fold(events: readonly LogEvent[]) {
  let folded = { title: null as string | null, image: null as string | null, description: null as string | null, custom: null as Record<string, unknown> | null, slowModeMs: null as number | null };
  const roles: Record<string, string> = {};
  for (const event of events) {
    if (event.kind === 'conversation.created') {
      folded.title = event.data.title;
      event.data.members.forEach((userId) => (roles[userId] = userId === event.senderId ? 'owner' : 'member'));
    }
    if (event.kind === 'conversation.updated') folded = { ...folded, ...patchedDetails(event.data) };
    if (event.kind === 'members.role') for (const { userId, role } of event.data.changes) roles[userId] = role;
  }
  return { details: folded, roles };
}

const rolesOf = async (store: ChatStore, id: string) => Object.fromEntries((await store.listMembers(id)).map((m) => [m.userId, m.role]));

/** Expects the stored details and roles to be what the whole log folds to. */
async function expectLogAgrees(store: ChatStore, id: string): Promise<void> {
  const log = await readWholeLog(store, id);
  const { details: folded, roles } = fold(log);
  const conversation = await store.getConversation(id);
  expect(details(conversation)).toEqual(folded);
  expect(await rolesOf(store, id)).toEqual(roles);
  expect(conversation?.lastSeq).toBe(log.length);
}

const update = (store: ChatStore, key: string, data: ConversationPatch, ts = T0 + 1): Promise<ChangeResult> =>
  store.appendChange({ conversationId: 'g1', senderId: 'alice', clientMsgId: key, ts, kind: 'conversation.updated', data });
const setRoles = (store: ChatStore, key: string, changes: RoleChange[], ts = T0 + 1): Promise<ChangeResult> =>
  store.appendChange({ conversationId: 'g1', senderId: 'alice', clientMsgId: key, ts, kind: 'members.role', data: { changes } });

export const groupChangeChecks: readonly StoreCheck[] = [
  {
    name: 'appendChange applies a details change and appends its event together: the summary and the log agree',
    async run(store) {
      const created = await createGroup(store, 'g1', ['alice', 'bob']);
      const image = 'https://cdn.example/g1.png';
      const result = await update(store, 'k1', { title: 'renamed', image, custom: { topic: 'launch' } }, T0 + 5);
      expect(result.duplicate).toBe(false);
      expect(result.event).toMatchObject({ conversationId: 'g1', seq: 2, senderId: 'alice', ts: T0 + 5, kind: 'conversation.updated', data: { title: 'renamed', image, custom: { topic: 'launch' } } });
      expect(result.conversation).toEqual({ ...created, title: 'renamed', image, custom: { topic: 'launch' }, lastSeq: 2, lastActivityAt: T0 + 5 });
      expect(await store.getConversation('g1')).toEqual(result.conversation);
      expect(await store.findEvent('g1', 'alice', 'k1')).toEqual(result.event);
      // Only the fields named change; null clears.
      await update(store, 'k2', { image: null, description: 'about' });
      expect(await store.getConversation('g1')).toMatchObject({ title: 'renamed', image: null, description: 'about', custom: { topic: 'launch' }, lastSeq: 3 });
      await expectLogAgrees(store, 'g1');
      expect(await logProblems(store, 'g1')).toEqual([]);
      await expect(store.appendChange({ conversationId: 'nope', senderId: 'alice', clientMsgId: 'k3', ts: T0, kind: 'conversation.updated', data: { title: 'x' } })).rejects.toThrow();
      expect(await store.getConversation('nope')).toBeNull();
    },
  },
  {
    name: 'appendChange sets roles with their event, a handover together; non-members are skipped',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      const made = await setRoles(store, 'r1', [{ userId: 'bob', role: 'admin' }]);
      expect(made.event).toMatchObject({ seq: 2, kind: 'members.role', data: { changes: [{ userId: 'bob', role: 'admin' }] } });
      expect(await rolesOf(store, 'g1')).toEqual({ alice: 'owner', bob: 'admin', carol: 'member' });
      await setRoles(store, 'r2', [{ userId: 'carol', role: 'owner' }, { userId: 'alice', role: 'admin' }]);
      expect(await rolesOf(store, 'g1')).toEqual({ alice: 'admin', bob: 'admin', carol: 'owner' });
      await expectLogAgrees(store, 'g1');
      await setRoles(store, 'r3', [{ userId: 'mallory', role: 'admin' }]);
      expect(await store.getMember('g1', 'mallory')).toBeNull();
      expect((await store.getConversation('g1'))?.lastSeq).toBe(4);
    },
  },
  {
    name: 'appendChange of a repeated clientMsgId returns the original and applies nothing again, even after a later change',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob']);
      const first = await update(store, 'k1', { title: 'first', description: 'one' });
      await update(store, 'k2', { title: 'second' });
      const roles = await setRoles(store, 'r1', [{ userId: 'bob', role: 'admin' }]);
      await setRoles(store, 'r2', [{ userId: 'bob', role: 'member' }]);
      // Retries of the first change and of the first role change, after later ones.
      const again = await update(store, 'k1', { title: 'first', description: 'one' });
      expect(again).toMatchObject({ duplicate: true, event: first.event });
      expect(again.conversation).toMatchObject({ title: 'second', description: 'one', lastSeq: 5 });
      expect(await setRoles(store, 'r1', [{ userId: 'bob', role: 'admin' }])).toMatchObject({ duplicate: true, event: roles.event });
      expect(await store.getConversation('g1')).toMatchObject({ title: 'second', description: 'one', lastSeq: 5 });
      expect((await store.getMember('g1', 'bob'))?.role).toBe('member');
      await expectLogAgrees(store, 'g1');
      // Retried at once too: one event, one change.
      const key = { conversationId: 'g1', senderId: 'bob', clientMsgId: 'k3', ts: T0 + 2, kind: 'conversation.updated' as const, data: { title: 'third' } };
      const results = await Promise.all([store.appendChange(key), store.appendChange(key), store.appendChange(key)]);
      expect(new Set(results.map((r) => r.event.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await readWholeLog(store, 'g1')).length).toBe(6);
      await expectLogAgrees(store, 'g1');
    },
  },
  {
    name: 'appendChange made at once by many: the log holds them in the order the store applied them',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      // Every change names the same fields: any difference between the order applied and the
      // order logged shows in what is left.
      await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          i % 3 === 2
            ? setRoles(store, `r${i}`, [{ userId: 'bob', role: i % 2 === 0 ? 'admin' : 'member' }, { userId: 'carol', role: i % 2 === 0 ? 'member' : 'admin' }])
            : update(store, `k${i}`, { title: `title ${i}`, description: `description ${i}` }),
        ),
      );
      expect(await logProblems(store, 'g1')).toEqual([]);
      expect((await readWholeLog(store, 'g1')).length).toBe(25);
      await expectLogAgrees(store, 'g1');
    },
  },
  {
    name: 'finishPendingChanges has nothing to finish after changes that completed',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob']);
      await update(store, 'k1', { title: 'done' });
      await setRoles(store, 'r1', [{ userId: 'bob', role: 'admin' }]);
      expect(await store.finishPendingChanges('g1')).toEqual([]);
      expect(await store.finishPendingChanges()).toEqual([]);
      expect((await readWholeLog(store, 'g1')).length).toBe(3);
      await expectLogAgrees(store, 'g1');
    },
  },
];
