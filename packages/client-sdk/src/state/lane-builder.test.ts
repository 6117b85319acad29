import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LogEvent } from '@parley/protocol';
import { applyIncomingEvents, applyReceipt, applySyncResult, initialChatState, type ChatState } from './chat-state.js';
import { newEntry, putEntry, removeEntry } from './outbox.js';
import { buildMessages, createSnapshotBuilder, createThreadReader } from './views.js';
import { buildThread } from './message-views.js';
import { message, summary } from '../../test/support/fixtures.js';

const MEMBERS = ['me', 'bob', 'alice'];

function base(): ChatState {
  const state = { ...initialChatState({ status: 'online', attempt: 0 }), userId: 'me', limits: { editWindowMs: 60_000 } };
  return applySyncResult(state, {
    type: 'sync.result', reqId: 'r',
    conversations: [summary({ members: MEMBERS, memberCount: 3, receipts: MEMBERS.map((userId) => ({ userId, deliveredSeq: 0, readSeq: 0 })) })],
    removed: [], events: [], hasMore: false,
  });
}

/** One thing that can happen to conversation c1, with numbers picked by fast-check and resolved against the state. */
type Step =
  | { kind: 'message'; sender: number; thread: number | null; quote: number | null }
  | { kind: 'react' | 'unreact'; sender: number; target: number; key: number }
  | { kind: 'edit' | 'delete'; target: number }
  | { kind: 'receipt'; sender: number; delivered: number; read: number | null }
  | { kind: 'late'; sender: number }
  | { kind: 'queue-change'; target: number; key: number }
  | { kind: 'queue-message'; thread: number | null }
  | { kind: 'settle'; which: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('message' as const), sender: fc.nat(2), thread: fc.option(fc.nat(), { freq: 4 }), quote: fc.option(fc.nat(), { freq: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('react' as const, 'unreact' as const), sender: fc.nat(2), target: fc.nat(), key: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('edit' as const, 'delete' as const), target: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('receipt' as const), sender: fc.nat(2), delivered: fc.nat(), read: fc.option(fc.nat()) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('late' as const), sender: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('queue-change' as const), target: fc.nat(), key: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('queue-message' as const), thread: fc.option(fc.nat(), { freq: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const), which: fc.nat() }) },
);

/** Applies a step the way the client does (the same state functions the frame handler and the outbox use). */
function apply(state: ChatState, s: Step, n: number): ChatState {
  const conv = state.conversations.get('c1');
  const events = conv?.events ?? [];
  const messages = events.filter((e) => e.kind === 'message');
  const top = events.at(-1)?.seq ?? 0;
  const pick = (i: number) => messages[i % Math.max(1, messages.length)];
  const at = { conversationId: 'c1', seq: top + 1, ts: 2_000 + n, clientMsgId: `change-${n}-xx`, id: `c1-e${top + 1}` };
  const event = (e: LogEvent) => applyIncomingEvents(state, [e]);
  switch (s.kind) {
    case 'message': {
      const root = s.thread === null ? undefined : pick(s.thread);
      const quoted = s.quote === null ? undefined : pick(s.quote);
      return event(message(top + 1, MEMBERS[s.sender], {
        ts: 2_000 + n,
        data: {
          text: `m${top + 1}`,
          ...(root && !root.data.thread ? { thread: { messageId: root.id, seq: root.seq } } : {}),
          ...(quoted ? { replyTo: { messageId: quoted.id, seq: quoted.seq, senderId: quoted.senderId, preview: 'q' } } : {}),
        },
      }));
    }
    case 'react':
    case 'unreact': {
      const target = pick(s.target);
      if (!target) return state;
      const kind = s.kind === 'react' ? 'reaction.added' : 'reaction.removed';
      return event({ ...at, senderId: MEMBERS[s.sender]!, kind, data: { messageId: target.id, messageSeq: target.seq, key: ['👍', '🎉'][s.key]! } });
    }
    case 'edit':
    case 'delete': {
      const target = pick(s.target);
      if (!target) return state;
      const ref = { messageId: target.id, messageSeq: target.seq };
      return event(s.kind === 'edit'
        ? { ...at, senderId: target.senderId, kind: 'message.edited', data: { ...ref, text: `edited ${n}` } }
        : { ...at, senderId: target.senderId, kind: 'message.deleted', data: ref });
    }
    case 'receipt': {
      const delivered = s.delivered % (top + 1);
      return applyReceipt(state, { conversationId: 'c1', userId: MEMBERS[s.sender]!, deliveredSeq: delivered, ...(s.read === null ? {} : { readSeq: s.read % (delivered + 1) }) });
    }
    case 'late':
      // A push past a hole, then the message that fills it: held events change below the end.
      return applyIncomingEvents(event(message(top + 2, MEMBERS[s.sender], { ts: 2_000 + n })), [message(top + 1, 'bob', { ts: 2_000 + n })]);
    case 'queue-change': {
      const target = pick(s.target);
      if (!target) return state;
      const entry = { ...newEntry(`queued-${n}-xxxx`, 'c1', '', 2_000 + n), change: { target: { messageId: target.id }, change: { kind: 'react' as const, key: ['👍', '🎉'][s.key]! } } };
      const { text: _text, ...change } = entry;
      return { ...state, outbox: putEntry(state.outbox, change) };
    }
    case 'queue-message': {
      const root = s.thread === null ? undefined : pick(s.thread);
      const entry = { ...newEntry(`pending-${n}-xxxx`, 'c1', `pending ${n}`, 2_000 + n), ...(root && !root.data.thread ? { threadId: root.id } : {}) };
      return { ...state, outbox: putEntry(state.outbox, entry) };
    }
    case 'settle': {
      // The outbox's oldest entry settles: a message by its own copy in the log, a change by going.
      const entry = state.outbox[s.which % Math.max(1, state.outbox.length)];
      if (!entry) return state;
      if (entry.change) return { ...state, outbox: removeEntry(state.outbox, entry.clientMsgId) };
      return event(message(top + 1, 'me', { clientMsgId: entry.clientMsgId, ts: 2_000 + n, data: { text: entry.text ?? '', ...(entry.threadId ? { thread: { messageId: entry.threadId, seq: 1 } } : {}) } }));
    }
  }
}

/** The views a from-scratch derivation gives for a state. */
function fromScratch(state: ChatState) {
  const conv = state.conversations.get('c1');
  return buildMessages(conv, state.outbox, state.userId, 60_000, state.uploads);
}

describe('incremental message lists', () => {
  it('equal a from-scratch derivation after any sequence of events, receipts and queued changes', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const build = createSnapshotBuilder(() => 1_000_000);
        const readThread = createThreadReader();
        let state = base();
        steps.forEach((s, n) => {
          state = apply(state, s, n);
          expect(build(state).messages['c1'] ?? []).toEqual(fromScratch(state));
          const conv = state.conversations.get('c1');
          const root = conv?.events.find((e) => e.kind === 'message' && !e.data.thread);
          if (root) {
            expect(readThread(state, 'c1', root.id)).toEqual(buildThread(conv, state.outbox, state.userId, root.id, { receipts: conv?.receipts ?? {}, editWindowMs: 60_000 }));
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the object of every message an event did not change, and gives a new one to the message it did', () => {
    const build = createSnapshotBuilder(() => 1_000_000);
    let state = applyIncomingEvents(base(), Array.from({ length: 50 }, (_, i) => message(i + 1, MEMBERS[i % 3])));
    const before = build(state).messages['c1'] ?? [];
    // A reaction to message 10, then a new message.
    state = applyIncomingEvents(state, [{
      id: 'c1-e51', conversationId: 'c1', seq: 51, senderId: 'bob', ts: 3_000, kind: 'reaction.added', clientMsgId: 'react-51-x',
      data: { messageId: 'c1-e10', messageSeq: 10, key: '👍' },
    }, message(52, 'alice')]);
    const after = build(state).messages['c1'] ?? [];
    expect(after).toHaveLength(51);
    expect(after[9]?.reactions).toEqual([{ key: '👍', count: 1, mine: false, userIds: ['bob'] }]);
    expect(after[9]).not.toBe(before[9]);
    after.slice(0, 50).forEach((view, i) => {
      if (i !== 9) expect(view).toBe(before[i]);
    });

    // bob and alice have read up to 20: only own messages from 1 to 20 change (to 'read').
    const read = applyReceipt(applyReceipt(state, { conversationId: 'c1', userId: 'bob', deliveredSeq: 20, readSeq: 20 }), { conversationId: 'c1', userId: 'alice', deliveredSeq: 20, readSeq: 20 });
    const seen = build(read).messages['c1'] ?? [];
    seen.forEach((view, i) => {
      const moved = view.senderId === 'me' && (view.seq ?? 0) <= 20;
      if (moved) expect(view).toMatchObject({ receipt: 'read' });
      if (moved) expect(view).not.toBe(after[i]);
      else expect(view).toBe(after[i]);
    });

    // A receipt that moves nothing shown (an old seq): the very same list.
    const same = applyReceipt(read, { conversationId: 'c1', userId: 'bob', deliveredSeq: 20, readSeq: 20 });
    expect(build(same).messages['c1']).toBe(seen);
  });
});
