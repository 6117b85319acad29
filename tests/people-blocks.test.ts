import { describe, expect, it } from 'vitest';
import { ErrorCode, type BlocksResultFrame, type ErrorFrame, type NackFrame, type PresenceResultFrame, type ServerFrame } from '@parley/protocol';
import { createGroup, liveTexts, openDirect, roundTrip, sendText } from './helpers/fixtures.js';
import { changeData } from './helpers/changes.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();

const blocks = (w: WireClient, change: { block?: string[]; unblock?: string[] } = {}) =>
  w.request<BlocksResultFrame | ErrorFrame>({ type: 'blocks', reqId: nextId('b-'), ...change });

async function block(w: WireClient, userIds: string[]): Promise<string[]> {
  const answer = await blocks(w, { block: userIds });
  if (answer.type !== 'blocks.result') throw new Error(`block failed: ${JSON.stringify(answer)}`);
  return answer.userIds;
}

/** The answer to a send: an ack or a nack. */
async function trySend(w: WireClient, conversationId: string, text: string, clientMsgId = nextId('m-')): Promise<ServerFrame> {
  w.send({ type: 'send', conversationId, clientMsgId, data: { text } });
  return w.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId);
}

const conversationAnswer = (w: WireClient, frame: { type: 'direct.open'; userId: string } | { type: 'group.create'; members: string[] } | { type: 'members.add'; conversationId: string; userIds: string[] }) =>
  w.request<ServerFrame>({ ...frame, reqId: nextId() } as Parameters<WireClient['request']>[0]);

describe('blocks: the list', () => {
  it("answers the list after each change, pushes it to the user's other devices, and reads it back", async () => {
    const s = await scope.server();
    const phone = await scope.wire(s, 'alice', 'phone');
    const laptop = await scope.wire(s, 'alice', 'laptop');
    expect(await block(phone, ['bob', 'carol'])).toEqual(['bob', 'carol']);
    const pushed = await laptop.waitFor((f): f is BlocksResultFrame => f.type === 'blocks.result');
    expect(pushed).toEqual({ type: 'blocks.result', userIds: ['bob', 'carol'] });
    const after = await blocks(phone, { unblock: ['bob'] });
    expect(after).toMatchObject({ type: 'blocks.result', userIds: ['carol'] });
    expect(await blocks(laptop)).toMatchObject({ type: 'blocks.result', userIds: ['carol'] });
    // The list is private: bob's own list is empty, and nothing was pushed to bob or carol.
    const bob = await scope.wire(s, 'bob');
    expect(await blocks(bob)).toMatchObject({ type: 'blocks.result', userIds: [] });
  });

  it('refuses blocking yourself (BAD_FRAME) and a list past maxBlocks (LIMIT_EXCEEDED), changing nothing', async () => {
    const s = await scope.server({ limits: { maxBlocks: 2 } });
    const alice = await scope.wire(s, 'alice');
    expect(await blocks(alice, { block: ['alice'] })).toMatchObject({ type: 'error', code: ErrorCode.BAD_FRAME });
    await block(alice, ['bob', 'carol']);
    expect(await blocks(alice, { block: ['dave'] })).toMatchObject({ type: 'error', code: ErrorCode.LIMIT_EXCEEDED });
    expect(await blocks(alice)).toMatchObject({ userIds: ['bob', 'carol'] });
    // Unblocking one makes room.
    expect(await blocks(alice, { block: ['dave'], unblock: ['bob'] })).toMatchObject({ userIds: ['carol', 'dave'] });
  });
});

describe('blocks: what they stop, either way', () => {
  it('refuses a new direct conversation exactly as an app policy refusal does, both ways, until unblocked', async () => {
    const policy = await scope.server({ canAddMembers: () => false });
    const refusedByApp = await conversationAnswer(await scope.wire(policy, 'alice'), { type: 'direct.open', userId: 'bob' });
    expect(refusedByApp).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });

    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    await block(bob, ['alice']);
    const refused = await conversationAnswer(alice, { type: 'direct.open', userId: 'bob' });
    // The same answer, word for word: alice cannot tell that bob blocked her.
    const { reqId: _a, ...refusal } = refused as ErrorFrame;
    const { reqId: _b, ...appRefusal } = refusedByApp as ErrorFrame;
    expect(refusal).toEqual(appRefusal);
    expect(await conversationAnswer(bob, { type: 'direct.open', userId: 'alice' })).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
    expect(await s.store.listMemberships('alice', { limit: 10 })).toEqual([]);
    await blocks(bob, { unblock: ['alice'] });
    expect(await conversationAnswer(alice, { type: 'direct.open', userId: 'bob' })).toMatchObject({ type: 'conversation' });
  });

  it('refuses sends and changes in their existing direct conversation, stores nothing; shared groups go on', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const direct = await openDirect(alice, 'bob');
    const group = await createGroup(alice, ['bob', 'carol']);
    const before = await sendText(alice, direct, 'hi bob', 'm-before-block');
    await bob.waitFor((f) => f.type === 'event' && f.event.id === before.eventId);

    await block(bob, ['alice']);
    for (const [who, text] of [[alice, 'are you there?'], [bob, 'go away']] as const) {
      expect(await trySend(who, direct, text)).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN, retryable: false });
    }
    const react = await changeData(alice, direct, { messageId: before.eventId }, { kind: 'react', key: '👍' });
    expect(react).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
    const edit = await changeData(alice, direct, { messageId: before.eventId }, { kind: 'edit', text: 'hi?' });
    expect((edit as NackFrame).code).toBe(ErrorCode.FORBIDDEN);
    // A resend of what was stored before the block (after a reconnect) is still the same message, never shown failed.
    const reconnected = await scope.wire(s, 'alice');
    expect(await sendText(reconnected, direct, 'hi bob', 'm-before-block')).toMatchObject({ eventId: before.eventId, duplicate: true });
    expect((await s.store.getConversation(direct))?.lastSeq).toBe(before.seq);
    // What each wrote stays theirs to delete, block or not (nothing else of the other's).
    const bobs = await s.chat.api.send({ conversationId: direct, senderId: 'bob', text: 'from before, via the backend' });
    expect(await changeData(alice, direct, { messageId: bobs.event.id }, { kind: 'delete' })).toMatchObject({ type: 'nack', code: ErrorCode.FORBIDDEN });
    expect(await changeData(bob, direct, { messageId: bobs.event.id }, { kind: 'delete' })).toMatchObject({ type: 'ack' });
    const lastSeq = (await s.store.getConversation(direct))!.lastSeq;

    // The group they share: both still write, and the server filters nothing (the client hides).
    await sendText(alice, group, 'hello team');
    await bob.waitFor((f) => f.type === 'event' && f.event.kind === 'message' && f.event.data.text === 'hello team');

    await blocks(bob, { unblock: ['alice'] });
    await sendText(alice, direct, 'friends again?');
    await bob.waitFor((f) => f.type === 'event' && f.event.kind === 'message' && f.event.data.text === 'friends again?');
    // (The resend was pushed again, as every repeat is: clients drop it by seq.)
    expect([...new Set(liveTexts(bob, direct))].filter((t) => t !== '' && !t.startsWith('from before'))).toEqual(['hi bob', 'friends again?']);
    expect((await s.store.getConversation(direct))!.lastSeq).toBe(lastSeq + 1);
  });

  it('refuses adding the other to a group or creating a group with them; others may still put both in one', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const carol = await scope.wire(s, 'carol');
    await block(alice, ['bob']);
    expect(await conversationAnswer(alice, { type: 'group.create', members: ['bob', 'carol'] })).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
    const bob = await scope.wire(s, 'bob');
    expect(await conversationAnswer(bob, { type: 'group.create', members: ['alice'] })).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
    const group = await createGroup(alice, ['carol']);
    expect(await conversationAnswer(alice, { type: 'members.add', conversationId: group, userIds: ['bob'] })).toMatchObject({ type: 'error', code: ErrorCode.FORBIDDEN });
    expect((await s.store.getConversation(group))?.memberCount).toBe(2);
    // Carol blocks nobody: she may add bob to the group alice is in.
    expect(await conversationAnswer(carol, { type: 'members.add', conversationId: group, userIds: ['bob'] })).toMatchObject({ type: 'conversation' });
    expect((await s.store.getConversation(group))?.memberCount).toBe(3);
  });

  it("ends presence between them at once, refuses new subscriptions, and drops typing in their direct conversation", async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const carol = await scope.wire(s, 'carol');
    const direct = await openDirect(alice, 'bob');
    const group = await createGroup(carol, ['alice', 'bob']);
    const subscribe = (w: WireClient, userIds: string[]) => w.request<PresenceResultFrame>({ type: 'presence.subscribe', reqId: nextId(), userIds });
    expect((await subscribe(alice, ['bob'])).users).toEqual([{ userId: 'bob', status: 'online', lastSeenAt: null }]);
    await subscribe(carol, ['bob']);
    alice.send({ type: 'typing', conversationId: direct });
    await bob.waitFor((f) => f.type === 'typing.update' && f.conversationId === direct && f.userId === 'alice');

    await block(bob, ['alice']);
    // Alice is told bob is offline, and hears nothing of him after.
    await alice.waitFor((f) => f.type === 'presence' && f.userId === 'bob' && f.status === 'offline');
    bob.send({ type: 'presence.set', status: 'away' });
    await carol.waitFor((f) => f.type === 'presence' && f.userId === 'bob' && f.status === 'away');
    await roundTrip(alice);
    expect(alice.frames.filter((f) => f.type === 'presence' && f.userId === 'bob').map((f) => (f as { status: string }).status)).toEqual(['offline']);
    expect(await subscribe(alice, ['bob'])).toMatchObject({ users: [], denied: ['bob'] });
    expect(await subscribe(bob, ['alice'])).toMatchObject({ users: [], denied: ['alice'] });

    // Typing in the direct conversation is dropped; in the shared group it still shows.
    const typingBefore = bob.frames.filter((f) => f.type === 'typing.update' && f.conversationId === direct).length;
    alice.send({ type: 'typing', conversationId: direct });
    await sendText(alice, group, 'after typing');
    await bob.waitFor((f) => f.type === 'event' && f.event.kind === 'message' && f.event.data.text === 'after typing');
    expect(bob.frames.filter((f) => f.type === 'typing.update' && f.conversationId === direct)).toHaveLength(typingBefore);

    await blocks(bob, { unblock: ['alice'] });
    expect((await subscribe(alice, ['bob'])).users).toEqual([{ userId: 'bob', status: 'away', lastSeenAt: null }]);
  });
});
