import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import { createChatClient, createMemoryStorage } from '@parley/client-sdk';
import type { UserDirectory } from '@parley/server-sdk';
import { online, waitFor } from './helpers/sdk.js';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';

const scope = testScope();

const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err);
const lines = (chat: ChatClient, id: string) =>
  chat.getTimeline(id).flatMap((i) => (i.type === 'system' && (i.event === 'updated' || i.event === 'role' || i.banned) ? [[i.event, i.actorId, i.userIds, i.patch ?? i.changes ?? i.banned]] : []));

/** Protocol 6's group management as an app built on the client SDK sees it, against a real server. */
describe('groups through the client SDK: details, roles, bans, mute', () => {
  it("changes details and roles; every member's view and timeline follow live, the owner's other device too", async () => {
    const s = await scope.server();
    const phone = scope.client(s, 'alice');
    const laptop = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    const carol = scope.client(s, 'carol');
    for (const c of [phone, laptop, bob, carol]) await waitFor(c, online);
    const { id } = await phone.createGroup({ title: 'team', members: ['bob', 'carol'] });
    for (const c of [laptop, bob, carol]) await waitFor(c, (x) => x.getConversation(id) !== undefined, 10_000, 'the group');
    expect([phone.getConversation(id)?.role, bob.getConversation(id)?.role]).toEqual(['owner', 'member']);

    await phone.updateConversation(id, { title: 'Launch crew', description: 'ship it', image: 'https://img.test/crew.png', slowModeMs: 5_000 });
    await waitFor(bob, (c) => c.getConversation(id)?.title === 'Launch crew', 10_000, 'the new title on bob');
    expect([bob.getConversation(id)?.description, bob.getConversation(id)?.image, bob.getConversation(id)?.slowModeMs]).toEqual(['ship it', 'https://img.test/crew.png', 5_000]);
    expect(await refusal(bob.updateConversation(id, { title: 'mine now' }))).toMatchObject({ code: ErrorCode.FORBIDDEN });

    await phone.setRole(id, 'bob', 'admin');
    await waitFor(bob, (c) => c.getConversation(id)?.role === 'admin', 10_000, 'bob an admin');
    await waitFor(laptop, (c) => c.getConversation(id)?.admins?.includes('bob') === true, 10_000, 'the admin on the laptop');
    // An admin changes details now, and removes (and bans) a member.
    await bob.updateConversation(id, { description: null });
    await waitFor(carol, (c) => c.getConversation(id) !== undefined && c.getConversation(id)?.description === undefined, 10_000, 'the description cleared');
    await bob.removeMembers(id, ['carol'], { ban: true });
    await waitFor(carol, (c) => c.getConversation(id) === undefined, 10_000, 'carol removed');
    expect(await bob.getBans(id)).toEqual(['carol']);
    expect(await refusal(phone.addMembers(id, ['carol']))).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(await bob.unban(id, ['carol'])).toEqual([]);
    await phone.addMembers(id, ['carol']);

    await phone.setRole(id, 'bob', 'owner');
    await waitFor(bob, (c) => c.getConversation(id)?.role === 'owner', 10_000, 'bob the owner');
    await waitFor(laptop, (c) => c.getConversation(id)?.role === 'admin' && c.getConversation(id)?.ownerId === 'bob', 10_000, 'alice an admin on her laptop');

    const expected = [
      ['updated', 'alice', [], { title: 'Launch crew', description: 'ship it', image: 'https://img.test/crew.png', slowModeMs: 5_000 }],
      ['role', 'alice', ['bob'], [{ userId: 'bob', role: 'admin' }]],
      ['updated', 'bob', [], { description: null }],
      ['removed', 'bob', ['carol'], true],
      ['role', 'alice', ['bob', 'alice'], [{ userId: 'bob', role: 'owner' }, { userId: 'alice', role: 'admin' }]],
    ];
    for (const c of [phone, laptop, bob]) await waitFor(c, (x) => lines(x, id).length === expected.length, 10_000, 'every line');
    for (const c of [phone, laptop, bob]) expect(lines(c, id)).toEqual(expected);
  });

  it('drops a group the user leaves from their list, on the device that left and on their other device; the others see them gone', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const phone = scope.client(s, 'bob');
    const laptop = scope.client(s, 'bob');
    for (const c of [alice, phone, laptop]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    for (const c of [phone, laptop]) await waitFor(c, (x) => x.getConversation(id) !== undefined, 30_000, 'the group');
    await phone.removeMembers(id, ['bob']);
    expect(phone.getConversation(id)).toBeUndefined();
    await waitFor(laptop, (x) => x.getConversation(id) === undefined, 30_000, 'the group gone from the other device');
    await waitFor(alice, (x) => x.getConversation(id)?.members.includes('bob') === false, 30_000, 'bob gone from the members');
    expect(phone.getSnapshot().conversations.map((c) => c.id)).not.toContain(id);
  });

  it('mutes on one device and the other follows; the details survive a reload from the cache', async () => {
    const s = await scope.server();
    const storage = createMemoryStorage();
    const phone = scope.client(s, 'alice', { storage });
    const laptop = scope.client(s, 'alice');
    for (const c of [phone, laptop]) await waitFor(c, online);
    const { id } = await phone.createGroup({ title: 'team', members: ['bob'] });
    await phone.updateConversation(id, { title: 'Renamed' });
    await waitFor(laptop, (c) => c.getConversation(id)?.title === 'Renamed', 10_000, 'the title on the laptop');

    const muted = await phone.mute(id);
    expect(muted.mutedUntil).toBeGreaterThan(Date.now() + 365 * 24 * 3600_000);
    expect(phone.getConversation(id)?.muted).toBe(true);
    await waitFor(laptop, (c) => c.getConversation(id)?.muted === true, 10_000, 'muted on the laptop');
    await laptop.unmute(id);
    await waitFor(phone, (c) => c.getConversation(id)?.muted === false, 10_000, 'unmuted on the phone');

    await phone.close();
    const reloaded = scope.client(s, 'alice', { storage });
    expect(reloaded.getConversation(id)).toBeUndefined();
    await waitFor(reloaded, (c) => c.getConversation(id)?.title === 'Renamed', 10_000, 'the cached title');
  });
});

describe('profiles and replaced content through the client SDK', () => {
  it('asks for the profiles wanted in one tick in one users frame, and again when the app says they changed', async () => {
    const names: Record<string, string> = { bob: 'Bob', carol: 'Carol', dave: 'Dave', erin: 'Erin' };
    const asked: string[][] = [];
    const users: UserDirectory = {
      resolve: async (ids) => {
        asked.push([...ids]);
        return ids.filter((id) => names[id]).map((id) => ({ id, name: names[id]! }));
      },
    };
    const s = await scope.server({ users });
    const alice = scope.client(s, 'alice');
    await waitFor(alice, online);
    for (const id of ['bob', 'carol', 'dave', 'erin', 'bob']) expect(alice.getUser(id)).toBeUndefined();
    await waitFor(alice, (c) => Object.keys(c.getSnapshot().users).length === 4, 10_000, 'the profiles');
    expect(s.chat.metrics.frames.get({ type: 'users' })).toBe(1);
    expect(asked).toEqual([['bob', 'carol', 'dave', 'erin']]);
    expect(alice.getUser('dave')).toEqual({ id: 'dave', name: 'Dave' });

    names.dave = 'David';
    s.chat.api.invalidateUsers(['dave']);
    await waitFor(alice, (c) => c.getUser('dave')?.name === 'David', 10_000, 'the new name');
    expect(asked.at(-1)).toEqual(['dave']);
  });

  it("shows what the app's hook stored instead of what the device sent, on the sender, after a reload too", async () => {
    const mask = (text: string | undefined) => text?.replaceAll('darn', '****');
    const s = await scope.server({
      hooks: {
        beforeSend: ({ data }) => (data.text?.includes('darn') ? { replace: { text: mask(data.text)! } } : undefined),
        beforeChange: ({ change }) => (change.kind === 'edit' && change.text?.includes('darn') ? { replace: { text: mask(change.text)! } } : undefined),
      },
    });
    const storage = createMemoryStorage();
    const alice = scope.client(s, 'alice', { storage });
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.createGroup({ members: ['bob'] });
    await alice.send(id, 'darn printer');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.status === 'sent', 10_000, 'the message stored');
    expect(alice.getMessages(id).map((m) => m.text)).toEqual(['**** printer']);
    await waitFor(bob, (c) => c.getMessages(id).length === 1, 10_000, 'the message on bob');
    expect(bob.getMessages(id).map((m) => m.text)).toEqual(['**** printer']);

    const stored = alice.getMessages(id)[0]!;
    await alice.edit(id, stored.id!, 'darn scanner');
    await until(() => alice.getMessages(id)[0]?.text === '**** scanner' && alice.getSnapshot().messages[id]?.length === 1, 10_000, 'the edit as stored');
    await alice.close();
    // Offline: what shows comes from the device's cache alone.
    const reloaded = createChatClient({ url: s.url, getToken: () => s.token('alice'), storage, autoConnect: false });
    try {
      await waitFor(reloaded, (c) => c.getMessages(id).length === 1, 10_000, 'the cached message');
      expect(reloaded.getMessages(id).map((m) => m.text)).toEqual(['**** scanner']);
    } finally {
      await reloaded.close();
    }
  });
});

describe('slow mode through the client SDK', () => {
  it("keeps a member's messages sent faster than slow mode allows queued, and stores them all, in order", async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.createGroup({ members: ['bob'] });
    await alice.updateConversation(id, { slowModeMs: 1_000 });
    await waitFor(bob, (c) => c.getConversation(id)?.slowModeMs === 1_000, 10_000, 'slow mode on bob');
    for (const text of ['one', 'two', 'three']) await bob.send(id, text);
    await waitFor(alice, (c) => c.getMessages(id).length === 3, 30_000, "every one of bob's messages stored");
    expect(alice.getMessages(id).map((m) => m.text)).toEqual(['one', 'two', 'three']);
    await waitFor(bob, (c) => c.getMessages(id).every((m) => m.status === 'sent'), 10_000, 'all sent on bob');
  });
});
