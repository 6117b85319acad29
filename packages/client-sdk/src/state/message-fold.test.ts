import { describe, expect, it } from 'vitest';
import type { LogEvent, MessageEvent } from '@parley/protocol';
import { applyIncomingEvents, applySyncResult, initialChatState, type ChatState } from './chat-state.js';
import { applyTimelinePage, hasOlder, olderPageBefore } from './conversation-state.js';
import { createSnapshotBuilder, createThreadReader } from './views.js';
import { changeEvent } from './change-events.js';
import { message, summary } from '../../test/support/fixtures.js';

const target = (seq: number) => ({ id: `c1-e${seq}`, seq });
const base = (seq: number, senderId = 'bob') => ({ id: `c1-e${seq}`, conversationId: 'c1', seq, ts: 5_000 + seq, senderId, clientMsgId: `chg-${senderId}-${seq}` });
const edited = (seq: number, of: number, text: string, senderId = 'bob') => changeEvent(base(seq, senderId), { kind: 'edit', text }, target(of));
const deleted = (seq: number, of: number, senderId = 'bob') => changeEvent(base(seq, senderId), { kind: 'delete' }, target(of));
const reacted = (seq: number, of: number, key: string, senderId: string, on = true) =>
  changeEvent(base(seq, senderId), { kind: on ? 'react' : 'unreact', key }, target(of));
const reply = (seq: number, root: number, senderId = 'bob'): LogEvent => ({ ...message(seq, senderId), data: { text: `reply ${seq}`, thread: { messageId: `c1-e${root}`, seq: root } } } as LogEvent);
/** A message as a history page or cold tail carries it: folded as of `asOfSeq`. */
const folded = (event: LogEvent, state: NonNullable<MessageEvent['state']>, data?: MessageEvent['data']): LogEvent =>
  ({ ...(event as MessageEvent), ...(data ? { data } : {}), state });

function synced(events: LogEvent[], lastSeq = events.at(-1)?.seq ?? 0): ChatState {
  const state = { ...initialChatState({ status: 'online', attempt: 0 }), userId: 'me' };
  return applySyncResult(state, { type: 'sync.result', reqId: 'r', conversations: [summary({ lastSeq })], removed: [], events, hasMore: false });
}

const shown = (state: ChatState) => createSnapshotBuilder()(state).messages.c1 ?? [];

describe('folding held events into messages', () => {
  it('shows an edit, reactions and a delete as they fold, in seq order', () => {
    let state = synced([message(1, 'bob'), message(2, 'me')]);
    state = applyIncomingEvents(state, [edited(3, 1, 'fixed'), reacted(4, 1, '👍', 'carol'), reacted(5, 1, '👍', 'me'), reacted(6, 1, '🎉', 'carol')]);
    expect(shown(state)[0]).toMatchObject({
      text: 'fixed', editedAt: 5_003, deleted: false,
      reactions: [{ key: '👍', count: 2, mine: true, userIds: ['carol', 'me'] }, { key: '🎉', count: 1, mine: false }],
    });
    state = applyIncomingEvents(state, [reacted(7, 1, '👍', 'me', false), deleted(8, 1)]);
    expect(shown(state)[0]).toMatchObject({ deleted: true, deletedBy: 'bob', reactions: [] });
    expect(shown(state)[0]?.text).toBeUndefined();
    expect(shown(state)[1]).toMatchObject({ text: 'text 2', deleted: false, reactions: [], replyCount: 0 });
  });

  it('ignores edits and reactions after a delete', () => {
    const state = synced([message(1, 'bob'), deleted(2, 1), edited(3, 1, 'back?'), reacted(4, 1, '👍', 'carol')]);
    expect(shown(state)[0]).toMatchObject({ deleted: true, reactions: [] });
    expect(shown(state)[0]?.text).toBeUndefined();
  });

  it('keeps a change for a message not held and folds it once the message arrives', () => {
    // The cold tail held message 10 only; an edit of message 1 arrives live.
    let state = synced([folded(message(10, 'bob'), { asOfSeq: 10 })], 10);
    state = applyIncomingEvents(state, [edited(11, 1, 'edited before it was loaded')]);
    expect(shown(state).map((m) => m.text)).toEqual(['text 10']);
    // Scrolling back brings message 1 as the server folded it up to seq 9: the edit at 11 still applies.
    state = { ...state, conversations: new Map([['c1', applyTimelinePage(state.conversations.get('c1')!, { events: [folded(message(1, 'bob'), { asOfSeq: 9 })], hasMore: false }, 10)]]) };
    expect(shown(state).map((m) => [m.seq, m.text])).toEqual([[1, 'edited before it was loaded'], [10, 'text 10']]);
  });

  it('never applies a change twice when a page already folded it', () => {
    // Held live: message 1, a reaction and an edit. A page then brings message 1 folded through seq 3.
    let state = synced([message(1, 'bob'), reacted(2, 1, '👍', 'carol'), edited(3, 1, 'v2')]);
    const page = folded(message(1, 'bob'), { asOfSeq: 3, editedAt: 5_003, reactions: [{ key: '👍', userIds: ['carol'] }] }, { text: 'v2' });
    state = applyIncomingEvents(state, [page]);
    state = applyIncomingEvents(state, [reacted(4, 1, '👍', 'dave')]);
    expect(shown(state)[0]).toMatchObject({ text: 'v2', reactions: [{ key: '👍', count: 2, userIds: ['carol', 'dave'] }] });
  });

  it('erases a deleted message from the held log: its text, its edits, and quotes of it', () => {
    const quoting: LogEvent = { ...message(3, 'carol'), data: { text: 'quoting', replyTo: { messageId: 'c1-e1', seq: 1, senderId: 'bob', preview: 'secret' } } } as LogEvent;
    const state = synced([{ ...message(1, 'bob'), data: { text: 'secret' } } as LogEvent, edited(2, 1, 'secret v2'), quoting, deleted(4, 1)]);
    const held = state.conversations.get('c1')!.events;
    expect(JSON.stringify(held)).not.toContain('secret');
    expect(shown(state).map((m) => [m.seq, m.deleted, m.replyTo?.preview])).toEqual([[1, true, undefined], [3, false, '']]);
  });

  it('lists thread replies under their root, not in the timeline, and counts them on the root', () => {
    const state = synced([message(1, 'bob'), reply(2, 1, 'carol'), message(3, 'bob'), reply(4, 1, 'me')]);
    expect(shown(state).map((m) => [m.seq, m.replyCount, m.lastReplyAt])).toEqual([[1, 2, 1_004], [3, 0, undefined]]);
    const thread = createThreadReader();
    const replies = thread(state, 'c1', 'c1-e1');
    expect(replies.map((m) => [m.seq, m.threadId])).toEqual([[2, 'c1-e1'], [4, 'c1-e1']]);
    // The same array while nothing changed: React can read it directly.
    expect(thread(state, 'c1', 'c1-e1')).toBe(replies);
  });

  it('places a cold tail at the summary lastSeq, and pages the timeline back from its first event', () => {
    // A tail folded as of seq 20: main-timeline events at 5 and 12 (the rest are changes and replies).
    let state = synced([folded(message(5, 'bob'), { asOfSeq: 20 }), folded(message(12, 'bob'), { asOfSeq: 20, replyCount: 3 })], 20);
    let conv = state.conversations.get('c1')!;
    expect(conv.cursor).toBe(20);
    expect(olderPageBefore(conv)).toBe(5);
    expect(hasOlder(conv)).toBe(true);
    // A thread page does not move the timeline.
    state = applyIncomingEvents(state, [folded(reply(13, 12), { asOfSeq: 20 })]);
    expect(olderPageBefore(state.conversations.get('c1')!)).toBe(5);
    conv = applyTimelinePage(state.conversations.get('c1')!, { events: [message(1, 'alice'), folded(message(3, 'bob'), { asOfSeq: 20 })], hasMore: false }, 5);
    expect(hasOlder(conv)).toBe(false);
    expect(conv.cursor).toBe(20);
  });
});
