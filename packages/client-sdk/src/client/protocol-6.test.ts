import { describe, expect, it } from 'vitest';
import { Limits, PROTOCOL_VERSION, type LogEvent, type SyncFrame } from '@parley/protocol';
import { createChatClientWith } from './chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createFakeWire, createManualTimers, flushAsync } from '../../test/support/fake-wire.js';
import { message, summary } from '../../test/support/fixtures.js';
import type { ClientStorage } from '../storage/client-storage.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;

async function setup(storage: ClientStorage = createMemoryStorage()) {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const chat = createChatClientWith({ url: 'http://parley.test', getToken: async () => 'tok', deviceId: 'd1', storage }, { transport: wire.factory, timers: clock.timers });
  await flushAsync();
  return { wire, clock, chat, storage };
}

async function online(wire: ReturnType<typeof createFakeWire>, conv = summary({ members: ['alice', 'bob', 'me'], memberCount: 3, ownerId: 'alice', role: 'member', lastSeq: 1 })) {
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [conv], removed: [], events: [message(1, 'alice')], hasMore: false });
  await flushAsync();
}

const event = (seq: number, rest: Pick<LogEvent, 'kind' | 'data'>, senderId = 'alice'): LogEvent =>
  ({ id: `c1-e${seq}`, conversationId: 'c1', seq, senderId, ts: 1_000 + seq, ...rest }) as LogEvent;

describe('protocol 6 groups in the client', () => {
  it('folds details and roles from the log into the view, and shows them as timeline lines', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    wire.push({ type: 'event', event: event(2, { kind: 'conversation.updated', data: { title: 'Launch', image: 'https://img.test/a.png', slowModeMs: 30_000 } }) });
    wire.push({ type: 'event', event: event(3, { kind: 'members.role', data: { changes: [{ userId: 'me', role: 'admin' }] } }) });
    await flushAsync();
    let view = chat.getConversation('c1');
    expect([view?.title, view?.image, view?.slowModeMs, view?.admins, view?.role]).toEqual(['Launch', 'https://img.test/a.png', 30_000, ['me'], 'admin']);

    wire.push({ type: 'event', event: event(4, { kind: 'conversation.updated', data: { image: null, description: 'we ship' } }) });
    wire.push({ type: 'event', event: event(5, { kind: 'members.role', data: { changes: [{ userId: 'me', role: 'owner' }, { userId: 'alice', role: 'admin' }] } }) });
    wire.push({ type: 'event', event: event(6, { kind: 'members.removed', data: { userIds: ['bob'], banned: true } }, 'me') });
    await flushAsync();
    view = chat.getConversation('c1');
    expect(view && 'image' in view).toBe(false);
    expect([view?.description, view?.ownerId, view?.admins, view?.role, view?.members]).toEqual(['we ship', 'me', ['alice'], 'owner', ['alice', 'me']]);

    const lines = chat.getTimeline('c1').filter((i) => i.type === 'system');
    expect(lines.map((l) => [l.event, l.actorId, l.userIds, l.patch, l.changes, l.banned])).toEqual([
      ['updated', 'alice', [], { title: 'Launch', image: 'https://img.test/a.png', slowModeMs: 30_000 }, undefined, undefined],
      ['role', 'alice', ['me'], undefined, [{ userId: 'me', role: 'admin' }], undefined],
      ['updated', 'alice', [], { image: null, description: 'we ship' }, undefined, undefined],
      ['role', 'alice', ['me', 'alice'], undefined, [{ userId: 'me', role: 'owner' }, { userId: 'alice', role: 'admin' }], undefined],
      ['removed', 'me', ['bob'], undefined, undefined, true],
    ]);
    void chat.close();
  });

  it('shows a conversation muted until mutedUntil, then unmuted by itself', async () => {
    const { wire, clock, chat } = await setup();
    await online(wire);
    const muting = chat.mute('c1', clock.now + 60_000);
    const frame = wire.frames('mute')[0]!;
    expect(frame.until).toBe(clock.now + 60_000);
    wire.push({ type: 'conversation', reqId: frame.reqId, conversation: summary({ lastSeq: 1, members: ['alice', 'bob', 'me'], memberCount: 3, mutedUntil: clock.now + 60_000 }) });
    await muting;
    expect(chat.getConversation('c1')?.muted).toBe(true);
    let renders = 0;
    chat.subscribe(() => (renders += 1));
    clock.advance(59_000);
    expect(chat.getConversation('c1')?.muted).toBe(true);
    clock.advance(1_000);
    expect(chat.getConversation('c1')?.muted).toBe(false);
    expect(renders).toBe(1);

    chat.mute('c1').catch(() => undefined);
    expect(wire.frames('mute')[1]?.until).toBe(8.64e15);
    chat.unmute('c1').catch(() => undefined);
    expect(wire.frames('mute')[2]?.until).toBe(null);
    chat.removeMembers('c1', ['bob'], { ban: true }).catch(() => undefined);
    expect(wire.frames('members.remove')[0]).toMatchObject({ userIds: ['bob'], ban: true });
    void chat.close();
  });

  it('shows the content the server stored when the ack says it replaced it, after a reload too', async () => {
    const { wire, chat, storage } = await setup();
    await online(wire);
    const sent = await chat.send('c1', { text: 'buy at evil.test', custom: { a: 1 } });
    wire.push({
      type: 'ack', conversationId: 'c1', clientMsgId: sent.clientMsgId!, eventId: 'c1-e2', seq: 2, ts: 5, duplicate: false,
      replaced: { text: 'buy at [link removed]' },
    });
    await flushAsync();
    const shown = chat.getMessages('c1').find((m) => m.seq === 2);
    expect([shown?.text, shown?.custom]).toEqual(['buy at [link removed]', undefined]);

    const edit = await chat.edit('c1', shown!.id!, 'see evil.test');
    wire.push({ type: 'ack', conversationId: 'c1', clientMsgId: wire.frames('change').at(-1)!.clientMsgId, eventId: 'c1-e3', seq: 3, ts: 6, duplicate: false, replaced: { text: 'see [link removed]' } });
    await flushAsync();
    expect(edit.text).toBe('see evil.test');
    expect(chat.getMessages('c1').find((m) => m.seq === 2)?.text).toBe('see [link removed]');
    await chat.close();

    const reloaded = await setup(storage);
    expect(reloaded.chat.getMessages('c1').find((m) => m.seq === 2)?.text).toBe('see [link removed]');
    void reloaded.chat.close();
  });
});

describe('people in the client', () => {
  it('asks for every profile wanted within a tick in one users frame, and again when the app changes them', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    expect(['alice', 'bob', 'carol', 'alice'].map((id) => chat.getUser(id))).toEqual([undefined, undefined, undefined, undefined]);
    await Promise.resolve();
    const asks = wire.frames('users');
    expect(asks.map((f) => f.userIds)).toEqual([['alice', 'bob', 'carol']]);
    wire.push({ type: 'users.result', reqId: asks[0]!.reqId, users: [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }] });
    await flushAsync();
    expect(chat.getUser('alice')?.name).toBe('Alice');
    expect(chat.getSnapshot().users).toEqual({ alice: { id: 'alice', name: 'Alice' }, bob: { id: 'bob', name: 'Bob' } });
    // carol is unknown to the app: not asked again on every read.
    expect(chat.getUser('carol')).toBeUndefined();
    await flushAsync();
    expect(wire.frames('users')).toHaveLength(1);

    wire.push({ type: 'users.changed', userIds: ['alice', 'zed'] });
    await flushAsync();
    const again = wire.frames('users')[1]!;
    expect(again.userIds).toEqual(['alice']);
    expect(chat.getUser('alice')?.name).toBe('Alice');
    wire.push({ type: 'users.result', reqId: again.reqId, users: [{ id: 'alice', name: 'Alice B.' }] });
    await flushAsync();
    expect(chat.getUser('alice')?.name).toBe('Alice B.');
    void chat.close();
  });

  it('splits a large batch at the per-frame limit, and asks again on reconnect for what went unanswered and what is held', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    const ids = Array.from({ length: Limits.maxUserIdsPerRequest + 5 }, (_, i) => `u${i}`);
    const loading = chat.loadUsers(ids);
    await Promise.resolve();
    expect(wire.frames('users').map((f) => f.userIds?.length)).toEqual([Limits.maxUserIdsPerRequest, 5]);
    const [first, second] = wire.frames('users');
    wire.push({ type: 'users.result', reqId: first!.reqId, users: [{ id: 'u0', name: 'Zero' }] });
    wire.drop();
    expect(await loading).toEqual([{ id: 'u0', name: 'Zero' }]);
    expect(second).toBeDefined();
    await online(wire);
    await flushAsync();
    const again = wire.frames('users').slice(2);
    // What went unanswered first, then every id held (a users.changed may have been missed meanwhile,
    // and a user unknown then may exist now), in frames of at most the limit.
    expect(again.flatMap((f) => f.userIds)).toEqual([...ids.slice(Limits.maxUserIdsPerRequest), ...ids.slice(0, Limits.maxUserIdsPerRequest)]);
    expect(again.every((f) => (f.userIds?.length ?? 0) <= Limits.maxUserIdsPerRequest)).toBe(true);
    void chat.close();
  });

  it('reads the block list on connect, follows other devices, and knows it offline after a restart', async () => {
    const { wire, chat, storage } = await setup();
    await online(wire);
    const read = wire.frames('blocks')[0]!;
    expect([read.block, read.unblock]).toEqual([undefined, undefined]);
    wire.push({ type: 'blocks.result', reqId: read.reqId, userIds: ['bob'] });
    await flushAsync();
    expect([chat.getBlocks(), chat.isBlocked('bob'), chat.isBlocked('alice')]).toEqual([['bob'], true, false]);

    const blocking = chat.block('carol');
    const change = wire.frames('blocks')[1]!;
    expect(change.block).toEqual(['carol']);
    wire.push({ type: 'blocks.result', reqId: change.reqId, userIds: ['bob', 'carol'] });
    expect(await blocking).toEqual(['bob', 'carol']);

    wire.push({ type: 'blocks.result', userIds: ['carol'] });
    await flushAsync();
    expect(chat.getSnapshot().blocks).toEqual(['carol']);
    await chat.close();

    const restarted = await setup(storage);
    expect(restarted.chat.getBlocks()).toEqual(['carol']);
    void restarted.chat.close();
  });
});
