import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@parley/protocol';
import { applyAck, applyIncomingEvents, applyRead, applySyncResult, initialChatState, type ChatState } from './chat-state.js';
import { applyNack, markEmitted, newEntry, putEntry } from './outbox.js';
import { createSnapshotBuilder } from './views.js';
import { message, summary } from '../../test/support/fixtures.js';

const backoff = { baseMs: 100, maxMs: 1_000 };

function base(): ChatState {
  const state = { ...initialChatState({ status: 'online', attempt: 0 }), userId: 'me' };
  return applySyncResult(state, {
    type: 'sync.result', reqId: 'r',
    conversations: [summary({ id: 'c1', lastActivityAt: 10 }), summary({ id: 'c2', lastActivityAt: 20 })],
    removed: [], events: [], hasMore: false,
  });
}

function withPending(state: ChatState, id: string, at = 0): ChatState {
  return { ...state, outbox: putEntry(state.outbox, newEntry(id, 'c1', `mine ${id}`, at)) };
}

const ack = (clientMsgId: string, seq: number): AckFrame => ({
  type: 'ack', conversationId: 'c1', clientMsgId, eventId: `e${seq}`, seq, ts: 9_000, duplicate: false,
});

describe('snapshots', () => {
  it('orders confirmed messages by seq, then pending and failed ones in creation order', () => {
    let state = withPending(withPending(base(), 'm-000002', 1), 'm-000001', 999_999);
    state = { ...state, outbox: state.outbox.map((e) => (e.clientMsgId === 'm-000002' ? applyNack(e, { code: 4000, message: 'bad', retryable: false }, 0, backoff) : e)) };
    state = applyIncomingEvents(state, [message(2, 'bob', { ts: 1 }), message(1, 'carol', { ts: 50 })]);
    const list = createSnapshotBuilder()(state).messages.c1 ?? [];
    expect(list.map((m) => [m.seq ?? m.key, m.status])).toEqual([
      [1, 'sent'], [2, 'sent'], ['m-000001', 'pending'], ['m-000002', 'failed'],
    ]);
    expect(list[3]?.error).toEqual({ code: 4000, message: 'bad' });
  });

  it('keeps the key of an own message from pending to sent', () => {
    const build = createSnapshotBuilder();
    const pending = withPending(base(), 'm-000001');
    const before = build(pending).messages.c1?.[0];
    const after = build(applyAck(pending, ack('m-000001', 1))).messages.c1?.[0];
    expect(before).toMatchObject({ key: 'm-000001', status: 'pending', senderId: 'me' });
    expect(after).toMatchObject({ key: 'm-000001', status: 'sent', seq: 1, id: 'e1' });
  });

  it('shows a message once when it is both in the log and still in the outbox', () => {
    const state = { ...applyIncomingEvents(base(), [message(1, 'me', { clientMsgId: 'm-000001' })]), outbox: withPending(base(), 'm-000001').outbox };
    expect(createSnapshotBuilder()(state).messages.c1?.map((m) => m.status)).toEqual(['sent']);
  });

  it('sorts conversations by last activity and carries the local unread count', () => {
    let state = applyIncomingEvents(base(), [message(1, 'bob', { ts: 100 })]);
    let snapshot = createSnapshotBuilder()(state);
    expect(snapshot.conversations.map((c) => [c.id, c.unread])).toEqual([['c1', 1], ['c2', 0]]);
    state = applyRead(state, 'c1', 1);
    snapshot = createSnapshotBuilder()(state);
    expect(snapshot.conversations[0]?.unread).toBe(0);
  });

  it('keeps its identity when nothing visible changed, and the identity of untouched parts', () => {
    const build = createSnapshotBuilder();
    const state = withPending(base(), 'm-000001');
    const first = build(state);
    expect(build(state)).toBe(first);
    // Resending changes send bookkeeping only.
    const resent = { ...state, outbox: state.outbox.map((e) => markEmitted(e, 5)) };
    expect(build(resent)).toBe(first);
    const changed = build(applyIncomingEvents(resent, [message(1, 'bob', { conversationId: 'c2' })]));
    expect(changed).not.toBe(first);
    expect(changed.messages.c1).toBe(first.messages.c1);
    expect(changed.conversations.find((c) => c.id === 'c1')).toBe(first.conversations.find((c) => c.id === 'c1'));
  });

  it('is frozen', () => {
    const snapshot = createSnapshotBuilder()(base());
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(Object.isFrozen(snapshot.conversations)).toBe(true);
  });

  it('dates the edit deadline of own stored messages from the announced window, and a welcome with the same window changes no list', () => {
    const build = createSnapshotBuilder();
    const held = applyIncomingEvents(base(), [message(1, 'me', { ts: 5_000 }), message(2, 'bob', { ts: 6_000 })]);
    expect((build(held).messages.c1 ?? []).map((m) => m.editableUntil)).toEqual([undefined, undefined]);
    const windowed = { ...held, limits: { editWindowMs: 60_000 } };
    const list = build(windowed).messages.c1 ?? [];
    expect(list.map((m) => m.editableUntil)).toEqual([65_000, undefined]);
    // Every welcome brings a new limits object: the same window keeps the same array.
    expect(build({ ...windowed, limits: { editWindowMs: 60_000 } }).messages.c1).toBe(list);
  });
});
