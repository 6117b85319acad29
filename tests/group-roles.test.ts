import { describe, expect, it } from 'vitest';
import { ErrorCode, type ClientFrame, type ConversationSummary, type LogEvent, type ServerFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { createGroup, isEvent, openDirect, sendText } from './helpers/fixtures.js';
import { createMemoryStore } from '@parley/server-sdk';
import { nextId, type WireClient } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';

const scope = testScope();

type Request = ClientFrame & { reqId: string };
type Omitted = Request extends infer F ? (F extends unknown ? Omit<F, 'reqId'> : never) : never;

/** Sends a request and resolves with its answer's type, or the error code it was refused with. */
async function outcome(w: WireClient, frame: Omitted): Promise<string | number> {
  const answer = await w.request({ ...frame, reqId: nextId() } as Request);
  return answer.type === 'error' ? answer.code : answer.type;
}

async function summaryOf(w: WireClient, conversationId: string): Promise<ConversationSummary> {
  const answer = await w.request({ type: 'mute', reqId: nextId(), conversationId, until: null });
  if (answer.type !== 'conversation') throw new Error(`no summary: ${JSON.stringify(answer)}`);
  return answer.conversation;
}

const eventsOf = (w: WireClient, kind: LogEvent['kind']) => w.frames.filter(isEvent).map((f) => f.event).filter((e) => e.kind === kind);

/** A group: owner, admin (made by the owner), members m1 and m2, each on a wire connection. */
async function team(s: TestServer) {
  const owner = await scope.wire(s, 'owner');
  const id = await createGroup(owner, ['admin', 'm1', 'm2']);
  const [admin, m1, m2, outsider] = await Promise.all(['admin', 'm1', 'm2', 'outsider'].map((u) => scope.wire(s, u)));
  expect(await outcome(owner, { type: 'members.role', conversationId: id, userId: 'admin', role: 'admin' })).toBe('conversation');
  return { id, owner: owner!, admin: admin!, m1: m1!, m2: m2!, outsider: outsider! };
}

describe('roles: every permission, allowed and refused', () => {
  it('lets owners and admins change the details, and no one else; members see it as a log event', async () => {
    const s = await scope.server();
    const { id, owner, admin, m1, outsider } = await team(s);
    const update = (w: WireClient, patch: Record<string, unknown>) => outcome(w, { type: 'conversation.update', conversationId: id, patch } as Omitted);
    expect(await update(owner, { title: 'Launch', description: 'Ship it' })).toBe('conversation');
    expect(await update(admin, { image: 'https://example.com/launch.png', custom: { color: 'teal' } })).toBe('conversation');
    expect(await update(m1, { title: 'Mine now' })).toBe(ErrorCode.FORBIDDEN);
    expect(await update(outsider, { title: 'x' })).toBe(ErrorCode.NOT_FOUND);
    expect(await update(owner, { image: 'javascript:alert(1)' })).toBe(ErrorCode.BAD_FRAME);
    expect(await update(owner, {})).toBe(ErrorCode.BAD_FRAME);
    // The same value again changes nothing and records nothing.
    expect(await update(owner, { title: 'Launch' })).toBe('conversation');
    await m1.waitFor((f) => isEvent(f) && f.event.kind === 'conversation.updated' && 'image' in f.event.data);
    expect(eventsOf(m1, 'conversation.updated').map((e) => [e.senderId, e.data])).toEqual([
      ['owner', { title: 'Launch', description: 'Ship it' }],
      ['admin', { image: 'https://example.com/launch.png', custom: { color: 'teal' } }],
    ]);
    expect(await summaryOf(m1, id)).toMatchObject({ title: 'Launch', description: 'Ship it', image: 'https://example.com/launch.png', custom: { color: 'teal' }, role: 'member', admins: ['admin'] });
    expect(await update(owner, { description: null })).toBe('conversation');
    expect((await summaryOf(m1, id)).description).toBeUndefined();
    const direct = await openDirect(owner, 'm1');
    expect(await outcome(owner, { type: 'conversation.update', conversationId: direct, patch: { title: 'x' } })).toBe(ErrorCode.FORBIDDEN);
  });

  it('lets the owner remove anyone, an admin members only, and a member only themself', async () => {
    const s = await scope.server();
    const { id, owner, admin, m1, m2 } = await team(s);
    const remove = (w: WireClient, userIds: string[]) => outcome(w, { type: 'members.remove', conversationId: id, userIds });
    expect(await remove(m1, ['m2'])).toBe(ErrorCode.FORBIDDEN);
    expect(await remove(admin, ['owner'])).toBe(ErrorCode.FORBIDDEN);
    expect(await remove(admin, ['m2'])).toBe('conversation');
    expect(await outcome(owner, { type: 'members.role', conversationId: id, userId: 'm1', role: 'admin' })).toBe('conversation');
    expect(await remove(admin, ['m1'])).toBe(ErrorCode.FORBIDDEN);
    expect(await remove(owner, ['m1'])).toBe('conversation');
    expect(await remove(admin, ['admin'])).toBe('conversation');
    expect((await summaryOf(owner, id)).members).toEqual(['owner']);
    expect(m2.frames.some((f) => isEvent(f) && f.event.kind === 'members.removed' && f.event.data.userIds.includes('m2'))).toBe(true);
  });

  it('lets owners and admins delete anyone’s message; members only their own', async () => {
    const s = await scope.server();
    const { id, admin, m1, m2 } = await team(s);
    const byM1 = await sendText(m1, id, 'spam');
    const byAdmin = await sendText(admin, id, 'rules');
    const del = (w: WireClient, messageId: string) => {
      const clientMsgId = nextId('del-');
      w.send({ type: 'change', conversationId: id, clientMsgId, target: { messageId }, change: { kind: 'delete' } });
      return w.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId);
    };
    expect(await del(m2, byM1.eventId)).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
    expect(await del(m1, byAdmin.eventId)).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
    expect(await del(admin, byM1.eventId)).toMatchObject({ type: 'ack' });
  });

  it('lets only the owner set roles; a handover makes the previous owner an admin, and roles are log events', async () => {
    const s = await scope.server();
    const { id, owner, admin, m1 } = await team(s);
    const role = (w: WireClient, userId: string, r: 'owner' | 'admin' | 'member') => outcome(w, { type: 'members.role', conversationId: id, userId, role: r });
    expect(await role(admin, 'm1', 'admin')).toBe(ErrorCode.FORBIDDEN);
    expect(await role(m1, 'm1', 'admin')).toBe(ErrorCode.FORBIDDEN);
    expect(await role(owner, 'owner', 'member')).toBe(ErrorCode.FORBIDDEN);
    expect(await role(owner, 'stranger', 'admin')).toBe(ErrorCode.NOT_FOUND);
    expect(await role(owner, 'admin', 'owner')).toBe('conversation');
    expect(await role(owner, 'm1', 'admin')).toBe(ErrorCode.FORBIDDEN);
    expect(await role(admin, 'owner', 'member')).toBe('conversation');
    await m1.waitFor((f) => isEvent(f) && f.event.kind === 'members.role' && f.event.senderId === 'admin');
    expect(eventsOf(m1, 'members.role').map((e) => [e.senderId, e.kind === 'members.role' ? e.data.changes : null])).toEqual([
      ['owner', [{ userId: 'admin', role: 'admin' }]],
      ['owner', [{ userId: 'admin', role: 'owner' }, { userId: 'owner', role: 'admin' }]],
      ['admin', [{ userId: 'owner', role: 'member' }]],
    ]);
    expect(await summaryOf(m1, id)).toMatchObject({ ownerId: 'admin', role: 'member' });
    expect((await summaryOf(m1, id)).admins).toBeUndefined();
  });

  it('passes the ownership to the longest-standing admin when the owner leaves, before older members', async () => {
    const s = await scope.server();
    const owner = await scope.wire(s, 'owner');
    const id = await createGroup(owner, ['m1', 'm2']);
    await scope.wire(s, 'm1');
    const late = await scope.wire(s, 'late');
    expect(await outcome(owner, { type: 'members.add', conversationId: id, userIds: ['late'] })).toBe('conversation');
    expect(await outcome(owner, { type: 'members.role', conversationId: id, userId: 'late', role: 'admin' })).toBe('conversation');
    expect(await outcome(owner, { type: 'members.remove', conversationId: id, userIds: ['owner'] })).toBe('conversation');
    await late.waitFor((f) => isEvent(f) && f.event.kind === 'members.removed');
    expect(eventsOf(late, 'members.removed')[0]!.data).toEqual({ userIds: ['owner'], ownerId: 'late' });
  });
});

describe('bans', () => {
  it('keeps a banned user out until an owner or admin lifts the ban', async () => {
    const s = await scope.server();
    const { id, owner, admin, m1 } = await team(s);
    expect(await outcome(m1, { type: 'members.remove', conversationId: id, userIds: ['m2'], ban: true })).toBe(ErrorCode.FORBIDDEN);
    expect(await outcome(admin, { type: 'members.remove', conversationId: id, userIds: ['admin'], ban: true })).toBe(ErrorCode.FORBIDDEN);
    expect(await outcome(admin, { type: 'members.remove', conversationId: id, userIds: ['m2'], ban: true })).toBe('conversation');
    await m1.waitFor((f) => isEvent(f) && f.event.kind === 'members.removed');
    expect(eventsOf(m1, 'members.removed')[0]!.data).toEqual({ userIds: ['m2'], banned: true });
    expect(await outcome(m1, { type: 'members.add', conversationId: id, userIds: ['m2'] })).toBe(ErrorCode.FORBIDDEN);
    expect(await outcome(owner, { type: 'members.add', conversationId: id, userIds: ['m2'] })).toBe(ErrorCode.FORBIDDEN);
    await expect(s.chat.api.addMembers(id, ['m2'], { by: 'owner' })).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(await outcome(m1, { type: 'bans', conversationId: id })).toBe(ErrorCode.FORBIDDEN);
    const bans = await admin.request({ type: 'bans', reqId: nextId(), conversationId: id, unban: ['m2'] });
    expect(bans).toMatchObject({ type: 'bans.result', conversationId: id, userIds: [] });
    expect(await outcome(m1, { type: 'members.add', conversationId: id, userIds: ['m2'] })).toBe('conversation');
  });
});

describe('mute', () => {
  it('is private to the user, shown in their summary while it lasts, and reaches their other devices', async () => {
    const s = await scope.server();
    const { id, m1, m2 } = await team(s);
    const tablet = await scope.wire(s, 'm1', 'm1-tablet');
    const until = Date.now() + 3_600_000;
    const answer = await m1.request({ type: 'mute', reqId: nextId(), conversationId: id, until });
    expect(answer).toMatchObject({ type: 'conversation', conversation: { id, mutedUntil: until } });
    await tablet.waitFor((f: ServerFrame) => f.type === 'conversation' && f.conversation.mutedUntil === until);
    const theirs = await m2.request({ type: 'mute', reqId: nextId(), conversationId: id, until: Date.now() - 1 });
    expect(theirs.type === 'conversation' && theirs.conversation.mutedUntil).toBeUndefined();
    expect(await outcome(m1, { type: 'mute', conversationId: 'g_nope', until: null })).toBe(ErrorCode.NOT_FOUND);
  });
});

describe('slow mode', () => {
  it('lets a member send once per interval (RATE_LIMITED, retryable), a repeat through, and owners and admins freely', async () => {
    const s = await scope.server();
    const { id, owner, admin, m1 } = await team(s);
    expect(await outcome(m1, { type: 'conversation.update', conversationId: id, patch: { slowModeMs: 60_000 } })).toBe(ErrorCode.FORBIDDEN);
    expect(await outcome(owner, { type: 'conversation.update', conversationId: id, patch: { slowModeMs: 60_000 } })).toBe('conversation');
    expect((await summaryOf(m1, id)).slowModeMs).toBe(60_000);
    const first = await sendText(m1, id, 'one', 'm-slow-00001');
    const nack = m1.waitFor((f) => f.type === 'nack' && f.clientMsgId === 'm-slow-00002');
    m1.send({ type: 'send', conversationId: id, clientMsgId: 'm-slow-00002', data: { text: 'two' } });
    expect(await nack).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryable: true, message: expect.stringContaining('slow mode') });
    // The first again (its ACK was lost): the same ACK, not a refusal.
    m1.send({ type: 'send', conversationId: id, clientMsgId: 'm-slow-00001', data: { text: 'one' } });
    expect(await m1.waitFor((f) => f.type === 'ack' && f.clientMsgId === 'm-slow-00001' && f.duplicate)).toMatchObject({ seq: first.seq });
    for (const text of ['a', 'b']) await sendText(admin, id, text);
    for (const text of ['c', 'd']) await sendText(owner, id, text);
    expect(await outcome(owner, { type: 'conversation.update', conversationId: id, patch: { slowModeMs: null } })).toBe('conversation');
    // The refused message, retried as its outbox would, goes through now.
    m1.frames.length = 0;
    await sendText(m1, id, 'two', 'm-slow-00002');
  });
});

describe('hooks that replace content', () => {
  it('stores the replacement; the ACK tells the sender (also on a repeat), everyone else gets it as the message', async () => {
    const s = await scope.server({
      hooks: {
        beforeSend: ({ data }) => (data.text?.includes('darn') ? { replace: { text: data.text.replaceAll('darn', '****') } } : undefined),
        beforeChange: ({ change }) => (change.kind === 'edit' && change.text?.includes('darn') ? { replace: { text: change.text.replaceAll('darn', '****') } } : undefined),
      },
    });
    const { id, m1, m2 } = await team(s);
    const ack = await sendText(m1, id, 'darn it', 'm-replace-001');
    expect(ack.replaced).toEqual({ text: '**** it' });
    expect((await sendText(m1, id, 'darn it', 'm-replace-001')).replaced).toEqual({ text: '**** it' });
    expect((await sendText(m1, id, 'fine', 'm-replace-002')).replaced).toBeUndefined();
    await m2.waitFor((f) => isEvent(f) && f.event.kind === 'message' && f.event.data.text === '**** it');
    m1.send({ type: 'change', conversationId: id, clientMsgId: 'c-replace-01', target: { messageId: ack.eventId }, change: { kind: 'edit', text: 'darn again' } });
    const edited = await m1.waitFor((f) => f.type === 'ack' && f.clientMsgId === 'c-replace-01');
    expect(edited).toMatchObject({ replaced: { text: '**** again' } });
    expect(JSON.stringify(await s.chat.api.history(id))).not.toContain('darn');
  });
});

describe('a store failing a group change', () => {
  it('changes nothing when every try fails; a short blip, or a reply lost after the write, still makes the change and pushes its event once', async () => {
    const store = createMemoryStore();
    let failBefore = 0;
    let failAfter = 0;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'appendChange' || typeof value !== 'function') return value;
        // Decided at each call: wrappers may keep the function they got.
        return async (...args: unknown[]) => {
          if (failBefore > 0) {
            failBefore--;
            throw new Error('store blip');
          }
          const result = (await Reflect.apply(value, target, args)) as unknown;
          if (failAfter > 0) {
            failAfter--;
            throw new Error('connection lost before the reply');
          }
          return result;
        };
      },
    });
    const s = await scope.server({ store: flaky });
    const owner = await scope.wire(s, 'owner');
    const m1 = await scope.wire(s, 'm1');
    const id = await createGroup(owner, ['m1']);
    const update = (title: string) => outcome(owner, { type: 'conversation.update', conversationId: id, patch: { title } });
    const titles = async () => (await store.readAfter(id, 0, 100)).filter((e) => e.kind === 'conversation.updated').map((e) => e.data.title);
    // A short blip: tried again at once, the request succeeds.
    failBefore = 2;
    expect(await update('Blip')).toBe('conversation');
    // A longer one: UNAVAILABLE, and neither the details nor the log changed.
    failBefore = 10;
    expect(await update('Down')).toBe(ErrorCode.UNAVAILABLE);
    expect((await store.getConversation(id))?.title).toBe('Blip');
    expect(await titles()).toEqual(['Blip']);
    // The client's retry, once the store is back, makes it.
    failBefore = 0;
    expect(await update('Down')).toBe('conversation');
    // The store made the change but its reply was lost: the retry with the same key finds it made,
    // changes nothing more, and the members get its event.
    failAfter = 1;
    expect(await update('Lost reply')).toBe('conversation');
    await m1.waitFor((f) => isEvent(f) && f.event.kind === 'conversation.updated' && f.event.data.title === 'Lost reply');
    expect(await titles()).toEqual(['Blip', 'Down', 'Lost reply']);
    expect((await store.getConversation(id))?.title).toBe('Lost reply');
    expect(eventsOf(m1, 'conversation.updated').map((e) => (e.kind === 'conversation.updated' ? e.data.title : null))).toEqual(['Blip', 'Down', 'Lost reply']);
  });
});
