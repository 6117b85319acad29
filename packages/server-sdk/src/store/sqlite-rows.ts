import type { ConversationKind, LogEvent } from '@parley/protocol';
import type { AppendInput, MemberRole, StoredConversation, StoredMember } from './types.js';
import { laneOf, quoteSeqOf, toLogEvent } from './store-helpers.js';

/** Rows as SQLite hands them back, and their mapping to the store's shapes. */

export interface ConversationRow {
  id: string;
  kind: ConversationKind;
  title: string | null;
  direct_key: string | null;
  created_by: string;
  created_at: number;
  last_seq: number;
  last_activity_at: number;
  member_count: number;
}

export interface MemberRow {
  conversation_id: string;
  user_id: string;
  role: MemberRole;
  joined_at: number;
  delivered_seq: number;
  read_seq: number;
}

export interface EventRow {
  conversation_id: string;
  seq: number;
  id: string;
  sender_id: string;
  client_msg_id: string;
  ts: number;
  kind: LogEvent['kind'];
  data: string;
}

export function toConversation(row: ConversationRow): StoredConversation {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    directKey: row.direct_key,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
    lastActivityAt: row.last_activity_at,
    memberCount: row.member_count,
  };
}

export function toMember(row: MemberRow): StoredMember {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    role: row.role,
    joinedAt: row.joined_at,
    deliveredSeq: row.delivered_seq,
    readSeq: row.read_seq,
  };
}

export function toEvent(row: EventRow): LogEvent {
  // The row holds what an append was given; toLogEvent decides the wire shape (dedup key or not).
  const input = {
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    clientMsgId: row.client_msg_id,
    ts: row.ts,
    kind: row.kind,
    data: JSON.parse(row.data) as unknown,
  } as AppendInput;
  return toLogEvent(input, row.id, row.seq);
}

/** Parameters of the event insert, named as in the SQL. */
export function eventParams(event: LogEvent, clientMsgId: string) {
  return {
    conversation_id: event.conversationId,
    seq: event.seq,
    id: event.id,
    sender_id: event.senderId,
    client_msg_id: clientMsgId,
    ts: event.ts,
    kind: event.kind,
    data: JSON.stringify(event.data),
    lane: laneOf(event),
    quote_seq: quoteSeqOf(event),
  };
}

/** The member row and its conversation, as one joined row of `listMemberships`. */
export type MembershipRow = ConversationRow & { m_role: MemberRole; m_joined_at: number; m_delivered_seq: number; m_read_seq: number };

export function toMembership(row: MembershipRow, userId: string): { conversation: StoredConversation; member: StoredMember } {
  return {
    conversation: toConversation(row),
    member: toMember({
      conversation_id: row.id,
      user_id: userId,
      role: row.m_role,
      joined_at: row.m_joined_at,
      delivered_seq: row.m_delivered_seq,
      read_seq: row.m_read_seq,
    }),
  };
}
