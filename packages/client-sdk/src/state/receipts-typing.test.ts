import { describe, expect, it } from 'vitest';
import { aggregateStatus, applyReceiptUpdate, memberStatuses, mergeSummaryReceipts, NO_RECEIPTS } from './receipts.js';
import { addTyping, nextTypingExpiry, pruneTyping, typingView, NO_TYPING } from './typing.js';
import { summary } from '../../test/support/fixtures.js';

describe('receipts as the sender sees them', () => {
  const held = mergeSummaryReceipts(
    NO_RECEIPTS,
    summary({
      receipts: [
        { userId: 'alice', deliveredSeq: 9, readSeq: 9 },
        { userId: 'bob', deliveredSeq: 5, readSeq: 3 },
        { userId: 'carol', deliveredSeq: 4 },
      ],
    }),
  );

  it('aggregates over the other members: delivered to all, read by all who share reads', () => {
    expect(aggregateStatus(held, 4, 'alice')).toBe('delivered');
    expect(aggregateStatus(held, 3, 'alice')).toBe('read');
    expect(aggregateStatus(held, 5, 'alice')).toBe('sent');
    expect(aggregateStatus(NO_RECEIPTS, 1, 'alice')).toBe('sent');
    expect(memberStatuses(held, 4, 'alice')).toEqual([
      { userId: 'bob', status: 'delivered' },
      { userId: 'carol', status: 'delivered' },
    ]);
  });

  it('never moves a member back, whatever order updates and summaries arrive in', () => {
    const later = applyReceiptUpdate(held, { userId: 'bob', deliveredSeq: 8, readSeq: 7 });
    expect(applyReceiptUpdate(later, { userId: 'bob', deliveredSeq: 6, readSeq: 4 })).toBe(later);
    const stale = mergeSummaryReceipts(later, summary({ receipts: Object.values(held) }));
    expect(stale['bob']).toEqual({ userId: 'bob', deliveredSeq: 8, readSeq: 7 });
  });
});

describe('typing indicators', () => {
  it('expire by themselves and end when that user’s message arrives', () => {
    let state = addTyping(NO_TYPING, 'c1', 'bob', 1_000);
    state = addTyping(state, 'c1', 'carol', 2_000);
    expect(typingView(state)).toEqual({ c1: ['bob', 'carol'] });
    expect(nextTypingExpiry(state)).toBe(1_000);
    expect(typingView(pruneTyping(state, 1_500))).toEqual({ c1: ['carol'] });
    const message = { kind: 'message' as const, conversationId: 'c1', senderId: 'carol', seq: 3, id: 'e3', ts: 1, clientMsgId: 'cmid-0003', data: { text: 'hi' } };
    expect(typingView(pruneTyping(state, 500, [message]))).toEqual({ c1: ['bob'] });
    expect(pruneTyping(state, 500)).toBe(state);
    expect(typingView(pruneTyping(state, 5_000))).toEqual({});
  });
});
