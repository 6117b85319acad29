import { describe, expect, it } from 'vitest';
import { ErrorCode, type ConversationFrame, type ErrorFrame, type ServerFrame } from '@parley/protocol';
import { createMemoryStore, type AddMembersRequest, type ChatStore } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { createGroup, openDirect, until } from './helpers/fixtures.js';
import { nextId, type WireClient } from './helpers/wire-client.js';

const scope = testScope();

/** The memory store one network hop away: every call resolves on a later turn, as a database's would. */
function withLatency(store: ChatStore): ChatStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setImmediate(resolve));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

type Answer = ConversationFrame | ErrorFrame;
const ask = (w: WireClient, frame: Record<string, unknown>) => w.request<Answer>({ ...frame, reqId: nextId() } as never);
const groupCreate = (w: WireClient, members: string[]) => ask(w, { type: 'group.create', title: 't', members });
const directOpen = (w: WireClient, userId: string) => ask(w, { type: 'direct.open', userId });
const membersAdd = (w: WireClient, conversationId: string, userIds: string[]) => ask(w, { type: 'members.add', conversationId, userIds });
const codeOf = (answer: Answer) => (answer.type === 'error' ? answer.code : 'ok');
/** Frames that would tell a user about a conversation: summaries and log events. */
const news = (w: WireClient) => w.frames.filter((f: ServerFrame) => f.type === 'conversation' || f.type === 'event');

describe('conversation creation rate limit', () => {
  it('refuses a user who creates too many conversations with RATE_LIMITED, others unaffected, nothing stored', async () => {
    const s = await scope.server({ rateLimits: { conversations: { perSecond: 1 / 3600, burst: 2 } } });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    await createGroup(alice, ['bob']);
    const direct = await openDirect(alice, 'carol');

    const refusedGroup = await groupCreate(alice, ['dave']);
    const refusedDirect = await directOpen(alice, 'erin');
    expect(refusedGroup).toMatchObject({ type: 'error', code: ErrorCode.RATE_LIMITED, retryable: true });
    expect(refusedDirect).toMatchObject({ type: 'error', code: ErrorCode.RATE_LIMITED, retryable: true });
    // Opening a direct conversation that exists creates nothing, so it is never limited.
    expect(await directOpen(alice, 'carol')).toMatchObject({ type: 'conversation', conversation: { id: direct } });
    expect(await s.store.listMemberships('dave')).toEqual([]);
    expect(await s.store.listMemberships('erin')).toEqual([]);
    expect((await s.store.listMemberships('alice')).length).toBe(2);
    // The limit is per user.
    expect(codeOf(await groupCreate(bob, ['dave']))).toBe('ok');
  });
});

describe('group size', () => {
  it('refuses a group above the configured size on create and on add, with LIMIT_EXCEEDED', async () => {
    const s = await scope.server({ limits: { maxMembersPerConversation: 3 } });
    const alice = await scope.wire(s, 'alice');
    expect(codeOf(await groupCreate(alice, ['bob', 'carol', 'dave']))).toBe(ErrorCode.LIMIT_EXCEEDED);
    const id = await createGroup(alice, ['bob']);
    expect(codeOf(await membersAdd(alice, id, ['carol', 'dave']))).toBe(ErrorCode.LIMIT_EXCEEDED);
    expect((await s.store.getConversation(id))?.memberCount).toBe(2);
    expect(codeOf(await membersAdd(alice, id, ['carol']))).toBe('ok');
    // Adding someone who is already a member adds no one: a full group answers it, as a retry would want.
    expect(codeOf(await membersAdd(alice, id, ['bob', 'carol']))).toBe('ok');
    expect(codeOf(await membersAdd(alice, id, ['dave']))).toBe(ErrorCode.LIMIT_EXCEEDED);
  });

  it('holds the size when several devices add members at the same moment', async () => {
    const s = await scope.server({ limits: { maxMembersPerConversation: 3 }, store: withLatency(createMemoryStore()) });
    const devices = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => scope.wire(s, 'alice', `alice-${i}`)));
    const id = await createGroup(devices[0]!, ['bob']);
    const answers = await Promise.all(devices.map((d, i) => membersAdd(d, id, [`new${i}`])));
    const conversation = await s.store.getConversation(id);
    expect(conversation!.memberCount).toBeLessThanOrEqual(3);
    expect((await s.store.listMembers(id)).length).toBe(conversation!.memberCount);
    expect(answers.filter((a) => a.type === 'conversation').length).toBe(conversation!.memberCount - 2);
    expect(answers.filter((a) => a.type === 'error').every((a) => codeOf(a) === ErrorCode.LIMIT_EXCEEDED)).toBe(true);
  });
});

describe('canAddMembers', () => {
  it('blocks direct.open, group.create and members.add for the refused target only; the target learns nothing', async () => {
    const calls: AddMembersRequest[] = [];
    const s = await scope.server({
      canAddMembers: (request) => {
        calls.push(request);
        return !request.userIds.includes('mallory');
      },
    });
    const alice = await scope.wire(s, 'alice');
    const mallory = await scope.wire(s, 'mallory');
    const group = await createGroup(alice, ['bob']);

    for (const answer of [
      await directOpen(alice, 'mallory'),
      await groupCreate(alice, ['bob', 'mallory']),
      await membersAdd(alice, group, ['carol', 'mallory']),
    ]) {
      expect(answer).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN, retryable: false });
    }
    expect(codeOf(await directOpen(alice, 'bob'))).toBe('ok');
    expect(codeOf(await membersAdd(alice, group, ['carol']))).toBe('ok');
    expect(calls).toContainEqual({ actor: 'alice', userIds: ['bob', 'mallory'], action: 'group.create', conversationId: null });
    expect(calls).toContainEqual({ actor: 'alice', userIds: ['carol'], action: 'members.add', conversationId: group });
    expect(calls).toContainEqual({ actor: 'alice', userIds: ['mallory'], action: 'direct.open', conversationId: null });

    // A round trip of mallory's own comes back after anything the server had sent her.
    await mallory.request({ type: 'sync', reqId: nextId(), cursors: [] });
    expect(news(mallory)).toEqual([]);
    expect(await s.store.listMemberships('mallory')).toEqual([]);
    expect((await s.store.listMembers(group)).map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'carol']);
  });
});

describe('direct.open with yourself', () => {
  it('is refused as a bad frame and stores nothing', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    expect(await directOpen(alice, 'alice')).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME, retryable: false });
    expect(await s.store.listMemberships('alice')).toEqual([]);
  });
});

describe('ownership', () => {
  it('passes to the longest-standing member when the owner leaves; the new owner manages the group', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const carol = await scope.wire(s, 'carol');
    const bob = await scope.wire(s, 'bob');
    const id = await createGroup(alice, ['carol']);
    const createdAt = Date.now();
    await until(() => Date.now() > createdAt, 1000, 'the clock to move');
    // bob joins later than carol, though his id sorts first.
    expect(codeOf(await membersAdd(alice, id, ['bob', 'dave']))).toBe('ok');

    expect(codeOf(await ask(alice, { type: 'members.remove', conversationId: id, userIds: ['alice'] }))).toBe('ok');
    const passed = await carol.waitFor(
      (f) => f.type === 'event' && f.event.kind === 'members.removed' && f.event.data.userIds.includes('alice'),
    );
    expect(passed).toMatchObject({ event: { data: { userIds: ['alice'], ownerId: 'carol' } } });
    // bob, not the owner, may not remove others; carol, the new owner, may.
    expect(codeOf(await ask(bob, { type: 'members.remove', conversationId: id, userIds: ['dave'] }))).toBe(ErrorCode.FORBIDDEN);
    const removed = await ask(carol, { type: 'members.remove', conversationId: id, userIds: ['dave'] });
    expect(removed).toMatchObject({ type: 'conversation', conversation: { ownerId: 'carol', members: ['bob', 'carol'] } });
    const res = await fetch(`${s.url}/api/conversations`, { headers: { authorization: `Bearer ${await s.token('bob')}` } });
    const { conversations } = (await res.json()) as { conversations: Array<{ id: string; ownerId?: string }> };
    expect(conversations.find((c) => c.id === id)?.ownerId).toBe('carol');
  });
});
