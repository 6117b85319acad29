import { describe, expect, it } from 'vitest';
import {
  applyEvents,
  applyServerSummary,
  applyTail,
  applyTimelinePage,
  emptyConversation,
  findGap,
  hasOlder,
  markRead,
  needsTail,
  olderPageBefore,
  settleCursor,
  unreadCount,
  type ConversationState,
} from './conversation-state.js';
import { membersEvent, message, summary } from '../../test/support/fixtures.js';

const seqs = (conv: ConversationState) => conv.events.map((e) => e.seq);

/** A conversation the client has a summary of but no position in. */
function known(): ConversationState {
  return applyServerSummary(emptyConversation('c1'), summary());
}

function atCursor(cursor: number): ConversationState {
  return { ...emptyConversation('c1'), cursor };
}

describe('conversation log folding', () => {
  it('orders events by seq whatever the arrival order or timestamps', () => {
    const conv = applyEvents(atCursor(0), [
      message(3, 'bob', { ts: 1 }),
      message(1, 'bob', { ts: 99 }),
      message(2, 'bob', { ts: 50 }),
    ]);
    expect(seqs(conv)).toEqual([1, 2, 3]);
    expect(conv.cursor).toBe(3);
  });

  it('deduplicates by seq and returns the same object when nothing is new', () => {
    const conv = applyEvents(atCursor(0), [message(1), message(2)]);
    const again = applyEvents(conv, [message(2), message(1)]);
    expect(again).toBe(conv);
    const dupInBatch = applyEvents(atCursor(0), [message(1), message(1)]);
    expect(seqs(dupInBatch)).toEqual([1]);
  });

  it('ignores events of other conversations', () => {
    expect(applyEvents(atCursor(0), [message(1, 'bob', { conversationId: 'c2' })]).events).toEqual([]);
  });

  it('holds events past a hole and names the range to fetch', () => {
    const conv = applyEvents(atCursor(0), [message(1), message(2), message(5), message(7)]);
    expect(conv.cursor).toBe(2);
    expect(findGap(conv)).toEqual({ conversationId: 'c1', afterSeq: 2, beforeSeq: 5 });
  });

  it('advances over the hole once it is filled, up to the next hole', () => {
    let conv = applyEvents(atCursor(2), [message(5), message(7)]);
    conv = applyEvents(conv, [message(3), message(4)]);
    expect(conv.cursor).toBe(5);
    expect(findGap(conv)).toEqual({ conversationId: 'c1', afterSeq: 5, beforeSeq: 7 });
    conv = applyEvents(conv, [message(6)]);
    expect(conv.cursor).toBe(7);
    expect(findGap(conv)).toBeNull();
  });

  it('has no gap when everything held is contiguous', () => {
    expect(findGap(applyEvents(atCursor(0), [message(1)]))).toBeNull();
  });

  it('places a tail when it holds no position, dropping older pushed events that would leave a hole', () => {
    let conv = applyEvents(known(), [message(3), message(61)]);
    expect(needsTail(conv)).toBe(true);
    expect(findGap(conv)).toBeNull();
    conv = applyTail(conv, Array.from({ length: 50 }, (_, i) => message(11 + i)));
    expect(conv.cursor).toBe(61);
    expect(seqs(conv)[0]).toBe(11);
    expect(needsTail(conv)).toBe(false);
    expect(olderPageBefore(conv)).toBe(11);
    expect(hasOlder(conv)).toBe(true);
  });

  it('places events from seq 1 without a sync: nothing comes before the first event', () => {
    const conv = applyEvents(known(), [message(2), message(1), message(4)]);
    expect(conv.cursor).toBe(2);
    expect(needsTail(conv)).toBe(false);
    // Without a summary the conversation still needs a full sync.
    expect(needsTail(applyEvents(emptyConversation('c1'), [message(1)]))).toBe(true);
    expect(findGap(conv)).toEqual({ conversationId: 'c1', afterSeq: 2, beforeSeq: 4 });
  });

  it('places a tail that only repeats events already pushed', () => {
    let conv = applyEvents(emptyConversation('c1'), [message(1), message(2)]);
    conv = applyTail(conv, [message(1), message(2)]);
    expect(conv.cursor).toBe(2);
    expect(findGap(conv)).toBeNull();
  });

  it('merges an older history page below the held events', () => {
    let conv = applyTail(emptyConversation('c1'), [message(4), message(5)]);
    expect(hasOlder(conv)).toBe(true);
    conv = applyTimelinePage(conv, { events: [message(1), message(2), message(3)], hasMore: false }, 4);
    expect(seqs(conv)).toEqual([1, 2, 3, 4, 5]);
    expect(conv.cursor).toBe(5);
    expect(hasOlder(conv)).toBe(false);
  });

  it('settles a conversation without events at its last seq', () => {
    const conv = settleCursor(applyServerSummary(emptyConversation('c1'), summary({ lastSeq: 4 })));
    expect(conv.cursor).toBe(4);
    expect(olderPageBefore(conv)).toBe(5);
  });
});

describe('summaries and membership', () => {
  it('folds membership events past the summary into the members', () => {
    let conv = applyServerSummary(atCursor(1), summary({ lastSeq: 1 }));
    conv = applyEvents(conv, [membersEvent(2, 'members.added', ['carol', 'bob']), membersEvent(3, 'members.removed', ['bob'])]);
    expect(conv.summary?.members).toEqual(['alice', 'carol']);
    expect(conv.summary?.memberCount).toBe(2);
    expect(conv.summary?.lastSeq).toBe(3);
    expect(conv.summary?.lastActivityAt).toBe(1_003);
  });

  it('does not apply a membership event twice when a newer summary already includes it', () => {
    let conv = applyServerSummary(atCursor(1), summary({ lastSeq: 1 }));
    conv = applyEvents(conv, [membersEvent(2, 'members.added', ['carol'])]);
    conv = applyServerSummary(conv, summary({ lastSeq: 2, members: ['alice', 'bob', 'carol'], memberCount: 3 }));
    expect(conv.summary?.memberCount).toBe(3);
    expect(conv.summary?.members).toEqual(['alice', 'bob', 'carol']);
  });

  it('ignores a summary older than the one held', () => {
    const conv = applyServerSummary(atCursor(0), summary({ lastSeq: 5, title: 'new' }));
    expect(applyServerSummary(conv, summary({ lastSeq: 3, title: 'old' }))).toBe(conv);
  });
});

describe('unread', () => {
  it('starts from the server count and adds messages from others that arrived since', () => {
    let conv = applyServerSummary(atCursor(10), summary({ lastSeq: 10, readSeq: 7, unread: 3 }));
    conv = applyEvents(conv, [message(11, 'bob'), message(12, 'me'), message(13, 'carol'), membersEvent(14, 'members.added', ['dan'])]);
    expect(unreadCount(conv, 'me')).toBe(5);
  });

  it('drops to zero when read up to the newest message', () => {
    let conv = applyServerSummary(atCursor(10), summary({ lastSeq: 10, readSeq: 7, unread: 3 }));
    conv = applyEvents(conv, [message(11, 'bob')]);
    expect(unreadCount(markRead(conv, 11), 'me')).toBe(0);
  });

  it('counts only what is after a partial read', () => {
    let conv = applyServerSummary(atCursor(0), summary({ lastSeq: 0 }));
    conv = applyEvents(conv, [message(1, 'bob'), message(2, 'me'), message(3, 'bob'), message(4, 'bob')]);
    expect(unreadCount(conv, 'me')).toBe(3);
    expect(unreadCount(markRead(conv, 3), 'me')).toBe(1);
  });

  it('subtracts held messages read inside the range the server counted', () => {
    let conv = applyServerSummary(atCursor(0), summary({ lastSeq: 4, readSeq: 0, unread: 3 }));
    conv = applyEvents(conv, [message(1, 'bob'), message(2, 'me'), message(3, 'bob'), message(4, 'bob')]);
    expect(unreadCount(markRead(conv, 3), 'me')).toBe(1);
  });

  it('never moves the read watermark back', () => {
    const conv = markRead(atCursor(5), 5);
    expect(markRead(conv, 3)).toBe(conv);
  });
});
