import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import { foldDetails } from './harness/oracle-groups.js';

let seq = 0;
const event = (senderId: string, kind: string, data: Record<string, unknown>): LogEvent =>
  ({ conversationId: 'g1', id: `e${++seq}`, seq, ts: seq, senderId, kind, data, clientMsgId: `c${seq}` }) as unknown as LogEvent;

describe('the chaos oracle: writes by members only', () => {
  it('finds a message by someone never a member, and one by a member after their removal; none by members', () => {
    const log = [
      event('alice', 'conversation.created', { type: 'group', title: 't', members: ['alice', 'bob'] }),
      event('bob', 'message', { text: 'hi' }),
      event('mallory', 'message', { text: 'let me in' }),
      event('alice', 'members.added', { userIds: ['carol'] }),
      event('carol', 'reaction.added', { messageId: 'e2', messageSeq: 2, key: '👍' }),
      event('alice', 'members.removed', { userIds: ['bob'] }),
      event('bob', 'message.edited', { messageId: 'e2', messageSeq: 2, text: 'still here' }),
      event('alice', 'members.added', { userIds: ['bob'] }),
      event('bob', 'message', { text: 'back' }),
    ];
    expect(foldDetails(log).problems).toEqual([
      'seq 3: mallory, not a member, wrote message',
      'seq 7: bob, not a member, wrote message.edited',
    ]);
  });
});
