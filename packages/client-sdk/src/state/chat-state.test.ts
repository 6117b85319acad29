import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@parley/protocol';
import {
  applyAck,
  applyIncomingEvents,
  applySummary,
  applySyncResult,
  initialChatState,
  leaveConversation,
  syncCursors,
  syncNeeds,
  type ChatState,
} from './chat-state.js';
import { newEntry, putEntry } from './outbox.js';
import { message, summary } from '../../test/support/fixtures.js';

function stateWithPending(...ids: string[]): ChatState {
  let outbox = initialChatState({ status: 'online', attempt: 0 }).outbox;
  for (const id of ids) outbox = putEntry(outbox, newEntry(id, 'c1', `text of ${id}`, 0));
  const base = { ...initialChatState({ status: 'online', attempt: 0 }), userId: 'me', outbox };
  return applySyncResult(base, { type: 'sync.result', reqId: 'r', conversations: [summary()], removed: [], events: [], hasMore: false });
}

const ack = (clientMsgId: string, seq: number): AckFrame => ({
  type: 'ack', conversationId: 'c1', clientMsgId, eventId: `e${seq}`, seq, ts: 5_000 + seq, duplicate: false,
});

describe('chat state', () => {
  it('keeps a conversation the user left gone when an answer made before the leaving arrives after it, and takes it back when they are added again', () => {
    const before = applySyncResult({ ...initialChatState({ status: 'online', attempt: 0 }), userId: 'me' }, {
      type: 'sync.result', reqId: 'r', conversations: [summary({ lastSeq: 2 })], removed: [], events: [message(1), message(2)], hasMore: false,
    });
    const left = leaveConversation(before, 'c1', 3);
    expect(left.conversations.has('c1')).toBe(false);
    // A sync page the server made before the leaving (the conversation at seq 2) comes late.
    const stale = applySyncResult(left, { type: 'sync.result', reqId: 'r2', conversations: [summary({ lastSeq: 2 })], removed: [], events: [message(1), message(2)], hasMore: false });
    expect(stale.conversations.has('c1')).toBe(false);
    expect(applyIncomingEvents(left, [message(3)]).conversations.has('c1')).toBe(false);
    // Added again later: a summary past the leaving brings it back.
    const back = applySummary(left, summary({ lastSeq: 5 }));
    expect(back.conversations.has('c1')).toBe(true);
    expect(back.left?.has('c1')).toBe(false);
  });


  it('moves an acked message from the outbox into the log at its seq', () => {
    const state = applyAck(stateWithPending('m-aaaaaaa1'), ack('m-aaaaaaa1', 1));
    expect(state.outbox).toEqual([]);
    const event = state.conversations.get('c1')?.events[0];
    expect(event).toMatchObject({ seq: 1, senderId: 'me', kind: 'message', clientMsgId: 'm-aaaaaaa1', data: { text: 'text of m-aaaaaaa1' } });
  });

  it('settles a pending message that arrives through sync or push before its ack', () => {
    const before = stateWithPending('m-aaaaaaa1', 'm-aaaaaaa2');
    const own = message(1, 'me', { clientMsgId: 'm-aaaaaaa1' });
    const state = applyIncomingEvents(before, [own]);
    expect(state.outbox.map((e) => e.clientMsgId)).toEqual(['m-aaaaaaa2']);
    // The late ack then finds nothing to settle and changes nothing.
    expect(applyAck(state, ack('m-aaaaaaa1', 1))).toBe(state);
  });

  it('does not settle on another sender using the same clientMsgId', () => {
    const before = stateWithPending('m-aaaaaaa1');
    const state = applyIncomingEvents(before, [message(1, 'bob', { clientMsgId: 'm-aaaaaaa1' })]);
    expect(state.outbox).toHaveLength(1);
  });

  it('keeps one copy when the ack and the event both arrive', () => {
    let state = applyAck(stateWithPending('m-aaaaaaa1'), ack('m-aaaaaaa1', 1));
    state = applyIncomingEvents(state, [message(1, 'me', { clientMsgId: 'm-aaaaaaa1' })]);
    expect(state.conversations.get('c1')?.events).toHaveLength(1);
  });

  it('asks for the missing range when an ack lands past a hole', () => {
    const state = applyAck(stateWithPending('m-aaaaaaa1'), ack('m-aaaaaaa1', 3));
    expect(syncNeeds(state).gaps).toEqual([{ conversationId: 'c1', afterSeq: 0, beforeSeq: 3 }]);
  });

  it('asks for a full sync when events arrive for a conversation it holds no position in', () => {
    const state = applyIncomingEvents(stateWithPending(), [message(1, 'bob', { conversationId: 'c9' })]);
    expect(syncNeeds(state)).toEqual({ gaps: [], fullSync: true });
    expect(syncCursors(state)).toEqual([{ conversationId: 'c1', seq: 0, readSeq: 0 }]);
  });

  it('takes tails for unnamed conversations and removes the ones the user left', () => {
    let state = stateWithPending();
    state = applySyncResult(state, {
      type: 'sync.result', reqId: 'r',
      conversations: [summary({ id: 'c2', lastSeq: 60 })],
      removed: ['c1'],
      events: Array.from({ length: 50 }, (_, i) => message(11 + i, 'bob', { conversationId: 'c2' })),
      hasMore: false,
    });
    expect([...state.conversations.keys()]).toEqual(['c2']);
    expect(syncCursors(state)).toEqual([{ conversationId: 'c2', seq: 60, readSeq: 0 }]);
  });

  it('continues from the advanced cursors when a page has more', () => {
    let state = stateWithPending();
    state = applySyncResult(state, { type: 'sync.result', reqId: 'r', conversations: [summary({ lastSeq: 3 })], removed: [], events: [message(1), message(2)], hasMore: true });
    expect(syncCursors(state)).toEqual([{ conversationId: 'c1', seq: 2, readSeq: 0 }]);
  });
});
