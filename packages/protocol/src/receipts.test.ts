import { describe, expect, it } from 'vitest';
import { countUnread, isUnread, receiptsMark } from './receipts.js';

const message = (seq: number, senderId: string) => ({ kind: 'message' as const, seq, senderId });

describe('the unread formula', () => {
  it('counts messages from others after the read watermark, never own messages or system events', () => {
    const log = [
      { kind: 'conversation.created' as const, seq: 1, senderId: 'alice' },
      message(2, 'alice'),
      message(3, 'bob'),
      message(4, 'alice'),
      { kind: 'members.added' as const, seq: 5, senderId: 'alice' },
    ];
    expect(countUnread(log, 'bob', 0)).toBe(2);
    expect(countUnread(log, 'bob', 2)).toBe(1);
    expect(countUnread(log, 'bob', 4)).toBe(0);
    expect(countUnread(log, 'alice', 0)).toBe(1);
    expect(isUnread(message(3, 'bob'), 'bob', 0)).toBe(false);
    expect(isUnread(message(3, 'alice'), null, 2)).toBe(true);
  });

  it('marks receipts by the sum of their watermarks, hidden reads counting as 0', () => {
    expect(receiptsMark([])).toBe(0);
    expect(receiptsMark([{ userId: 'a', deliveredSeq: 5, readSeq: 3 }, { userId: 'b', deliveredSeq: 4 }])).toBe(12);
  });
});
