import type { ConversationSummary, LogEvent } from '@parley/protocol';

type MessageFields = Extract<LogEvent, { kind: 'message' }>['data'];

/** A message event of conversation `c1` (or `conversationId`) at `seq`; `data` adds content (mentions, custom, replyTo). */
export function message(
  seq: number,
  senderId = 'bob',
  extra: Partial<{ conversationId: string; clientMsgId: string; text: string; ts: number; data: MessageFields }> = {},
): LogEvent {
  const conversationId = extra.conversationId ?? 'c1';
  return {
    id: `${conversationId}-e${seq}`,
    conversationId,
    seq,
    senderId,
    ts: extra.ts ?? 1_000 + seq,
    kind: 'message',
    clientMsgId: extra.clientMsgId ?? `msg-${senderId}-${seq}`,
    data: extra.data ?? { text: extra.text ?? `text ${seq}` },
  };
}

export function membersEvent(seq: number, kind: 'members.added' | 'members.removed', userIds: string[], conversationId = 'c1'): LogEvent {
  return { id: `${conversationId}-e${seq}`, conversationId, seq, senderId: 'alice', ts: 1_000 + seq, kind, data: { userIds } };
}

export function summary(overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id: 'c1',
    kind: 'group',
    title: 'team',
    members: ['alice', 'bob'],
    memberCount: 2,
    lastSeq: 0,
    lastActivityAt: 1_000,
    createdAt: 1_000,
    readSeq: 0,
    deliveredSeq: 0,
    unread: 0,
    unreadMentions: 0,
    receipts: [],
    ...overrides,
  };
}
