import { describe, expect, it } from 'vitest';
import type { LogEvent } from '@parley/protocol';
import type { MessageView } from '../types.js';
import { mergeTimeline, systemItemOf } from './timeline-views.js';

const at = (seq: number) => ({ id: `e${seq}`, conversationId: 'c1', seq, senderId: 'alice', ts: 1000 + seq });
const message = (seq: number | undefined, key = `m${seq}`): MessageView => ({
  type: 'message', key, conversationId: 'c1', senderId: 'alice', ts: 1, mentionsMe: false, deleted: false, reactions: [], replyCount: 0,
  status: seq === undefined ? 'pending' : 'sent', ...(seq !== undefined ? { seq, id: key } : {}),
});

describe('membership lines', () => {
  it('reads each membership event as a line, and skips the empty placeholder other versions send', () => {
    const events: LogEvent[] = [
      { ...at(1), kind: 'conversation.created', data: { type: 'group', title: 'team', members: ['alice', 'bob'] } },
      { ...at(2), kind: 'members.added', data: { userIds: ['carol'] } },
      { ...at(3), kind: 'members.added', data: { userIds: [] } },
      { ...at(4), kind: 'members.removed', data: { userIds: ['carol'] } },
      { ...at(5), kind: 'members.removed', data: { userIds: ['alice'], ownerId: 'bob' } },
      { ...at(6), kind: 'message', clientMsgId: 'x', data: { text: 'hi' } },
    ];
    expect(events.map(systemItemOf).map((line) => line && [line.seq, line.event, line.actorId, line.userIds, line.title, line.ownerId])).toEqual([
      [1, 'created', 'alice', ['alice', 'bob'], 'team', undefined],
      [2, 'added', 'alice', ['carol'], undefined, undefined],
      null,
      [4, 'removed', 'alice', ['carol'], undefined, undefined],
      [5, 'left', 'alice', ['alice'], undefined, 'bob'],
      null,
    ]);
    const untitled = systemItemOf({ ...at(1), kind: 'conversation.created', data: { type: 'direct', title: null, members: ['alice', 'bob'] } });
    expect(untitled && 'title' in untitled).toBe(false);
  });

  it('puts lines between messages by seq, and pending messages after every line', () => {
    const line = (seq: number) => systemItemOf({ ...at(seq), kind: 'members.added', data: { userIds: ['bob'] } })!;
    const items = mergeTimeline([message(2), message(5), message(undefined, 'p1')], [line(1), line(3), line(4), line(7)]);
    expect(items.map((i) => i.key)).toEqual(['e1', 'm2', 'e3', 'e4', 'm5', 'e7', 'p1']);
  });
});
