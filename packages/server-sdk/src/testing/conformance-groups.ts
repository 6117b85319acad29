import { expect } from 'vitest';
import type { ChatStore } from '../store/types.js';
import { T0, createGroup, type StoreCheck } from './fixtures.js';
import { groupChangeChecks } from './conformance-groups-changes.js';

/** Group details (`updateConversation`), roles (`setRoles`, the heir rule), mute (`setMutedUntil`) and changes with their events (`appendChange`). */

const rolesOf = async (store: ChatStore, id: string) =>
  Object.fromEntries((await store.listMembers(id)).map((m) => [m.userId, m.role]));

const NO_DETAILS = { image: null, description: null, custom: null, slowModeMs: null };

export const groupChecks: readonly StoreCheck[] = [
  {
    name: 'updateConversation changes only the fields the patch names',
    async run(store) {
      const created = await createGroup(store, 'g1', ['alice', 'bob']);
      const image = 'https://cdn.example/g1.png';
      const after = await store.updateConversation('g1', { image, description: 'our team' });
      expect(after).toEqual({ ...created, ...NO_DETAILS, image, description: 'our team' });
      expect(await store.getConversation('g1')).toEqual(after);
      expect(await store.updateConversation('g1', { slowModeMs: 5000 })).toEqual({ ...after, slowModeMs: 5000 });
      expect(await store.updateConversation('g1', { title: 'renamed' })).toEqual({ ...after, slowModeMs: 5000, title: 'renamed' });
      // Details are not events: the log and its seq stay as they were (the server appends the event).
      expect((await store.getConversation('g1'))?.lastSeq).toBe(created.lastSeq);
      const [row] = await store.listMemberships('bob');
      expect(row?.conversation).toEqual(await store.getConversation('g1'));
    },
  },
  {
    name: 'updateConversation clears a field set to null and keeps the others',
    async run(store) {
      await createGroup(store, 'g1', ['alice']);
      const full = { image: 'https://cdn.example/a.png', description: 'about', custom: { topic: 'x' }, slowModeMs: 60_000 };
      expect(await store.updateConversation('g1', full)).toMatchObject(full);
      const cleared = await store.updateConversation('g1', { image: null, custom: null, title: null });
      expect(cleared).toMatchObject({ title: null, image: null, custom: null, description: 'about', slowModeMs: 60_000 });
      expect(await store.updateConversation('g1', { description: null, slowModeMs: null })).toMatchObject({ title: null, ...NO_DETAILS });
      expect(await store.getConversation('g1')).toMatchObject({ title: null, ...NO_DETAILS });
    },
  },
  {
    name: 'updateConversation keeps custom as JSON round-trips it, and hands out copies',
    async run(store) {
      await createGroup(store, 'g1', ['alice']);
      const custom = { $where: 'a.b', 'dotted.key': [1, [2, [3]], { deep: null }], emoji: '🦜', zero: -0, nested: { list: [] } };
      const expected = JSON.parse(JSON.stringify(custom)) as Record<string, unknown>;
      const after = await store.updateConversation('g1', { custom });
      expect(after?.custom).toEqual(expected);
      expect(Object.is((after?.custom as { zero: number }).zero, 0)).toBe(true);
      (after!.custom as { emoji: string }).emoji = 'changed by a caller';
      custom.emoji = 'changed after the call';
      expect((await store.getConversation('g1'))?.custom).toEqual(expected);
      // Replaced whole, not merged.
      expect((await store.updateConversation('g1', { custom: { only: true } }))?.custom).toEqual({ only: true });
    },
  },
  {
    name: 'updateConversation of an unknown conversation is null and creates nothing',
    async run(store) {
      expect(await store.updateConversation('nope', { title: 'x', image: 'https://cdn.example/x.png' })).toBeNull();
      expect(await store.getConversation('nope')).toBeNull();
    },
  },
  {
    name: 'setRoles makes members admin and member again, and skips non-members',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      const changed = await store.setRoles('g1', [{ userId: 'bob', role: 'admin' }, { userId: 'mallory', role: 'admin' }]);
      expect(changed).toEqual([expect.objectContaining({ conversationId: 'g1', userId: 'bob', role: 'admin' })]);
      expect(await rolesOf(store, 'g1')).toEqual({ alice: 'owner', bob: 'admin', carol: 'member' });
      expect((await store.listMembers('g1', { role: 'admin' })).filter((m) => m.role === 'admin').map((m) => m.userId)).toEqual(['bob']);
      expect((await store.listMemberships('bob'))[0]?.member.role).toBe('admin');
      expect(await store.getMember('g1', 'mallory')).toBeNull();
      await store.setRoles('g1', [{ userId: 'bob', role: 'member' }]);
      expect(await rolesOf(store, 'g1')).toEqual({ alice: 'owner', bob: 'member', carol: 'member' });
      expect(await store.setRoles('nope', [{ userId: 'alice', role: 'admin' }])).toEqual([]);
    },
  },
  {
    name: 'setRoles hands ownership over: no reader ever sees the group without an owner, and after it one owns it',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol']);
      const owners: number[] = [];
      const watch = async () => {
        for (let i = 0; i < 10; i++) owners.push((await store.listMembers('g1')).filter((m) => m.role === 'owner').length);
      };
      // The demotion is named first: a store must not apply it before the new owner is in place.
      const [changed] = await Promise.all([
        store.setRoles('g1', [{ userId: 'alice', role: 'admin' }, { userId: 'bob', role: 'owner' }]),
        watch(),
        watch(),
      ]);
      expect(changed.map((m) => [m.userId, m.role]).sort()).toEqual([['alice', 'admin'], ['bob', 'owner']]);
      expect(owners.filter((n) => n === 0)).toEqual([]);
      expect(await rolesOf(store, 'g1')).toEqual({ alice: 'admin', bob: 'owner', carol: 'member' });
    },
  },
  {
    name: 'removeMembers passes ownership to the longest-standing admin, and to a member only when no admin is left',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob', 'carol'], T0);
      await store.addMembers('g1', ['dave'], 'admin', T0 + 5);
      await store.addMembers('g1', ['erin'], 'member', T0 + 6);
      await store.removeMembers('g1', ['alice']);
      // dave joined after bob and carol, but admins come first.
      expect(await rolesOf(store, 'g1')).toEqual({ bob: 'member', carol: 'member', dave: 'owner', erin: 'member' });
      await store.setRoles('g1', [{ userId: 'erin', role: 'admin' }, { userId: 'carol', role: 'admin' }]);
      await store.removeMembers('g1', ['dave']);
      expect(await rolesOf(store, 'g1')).toEqual({ bob: 'member', carol: 'owner', erin: 'admin' });
      await store.removeMembers('g1', ['carol']);
      expect(await rolesOf(store, 'g1')).toEqual({ bob: 'member', erin: 'owner' });
      await store.removeMembers('g1', ['erin']);
      expect(await rolesOf(store, 'g1')).toEqual({ bob: 'owner' });
    },
  },
  {
    name: 'setMutedUntil sets and clears one member\'s mute; a non-member gets null',
    async run(store) {
      await createGroup(store, 'g1', ['alice', 'bob']);
      expect((await store.getMember('g1', 'bob'))?.mutedUntil).toBeNull();
      expect(await store.setMutedUntil('g1', 'bob', T0 + 60_000)).toMatchObject({ conversationId: 'g1', userId: 'bob', role: 'member', mutedUntil: T0 + 60_000 });
      expect((await store.getMember('g1', 'bob'))?.mutedUntil).toBe(T0 + 60_000);
      expect((await store.listMemberships('bob'))[0]?.member.mutedUntil).toBe(T0 + 60_000);
      expect((await store.getMember('g1', 'alice'))?.mutedUntil).toBeNull();
      expect(await store.setMutedUntil('g1', 'bob', null)).toMatchObject({ userId: 'bob', mutedUntil: null });
      expect((await store.getMember('g1', 'bob'))?.mutedUntil).toBeNull();
      expect(await store.setMutedUntil('g1', 'mallory', T0)).toBeNull();
      expect(await store.getMember('g1', 'mallory')).toBeNull();
      expect(await store.setMutedUntil('nope', 'bob', T0)).toBeNull();
      // A member who left and came back starts unmuted.
      await store.setMutedUntil('g1', 'bob', T0 + 1);
      await store.removeMembers('g1', ['bob']);
      await store.addMembers('g1', ['bob'], 'member', T0 + 9);
      expect((await store.getMember('g1', 'bob'))?.mutedUntil).toBeNull();
    },
  },
  ...groupChangeChecks,
];
