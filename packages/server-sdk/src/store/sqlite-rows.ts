import type { ConversationKind, LogEvent } from '@parley/protocol';
import type { MemberRole, StoredConversation, StoredMember } from './types.js';
import { carriesClientMsgId, laneOf, quoteSeqOf } from './store-helpers.js';

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
  /** Schema 5's details: null on rows of earlier releases (and when cleared). `custom` is JSON text. */
  image: string | null;
  description: string | null;
  custom: string | null;
  slow_mode_ms: number | null;
}

export interface MemberRow {
  conversation_id: string;
  user_id: string;
  role: MemberRole;
  joined_at: number;
  delivered_seq: number;
  read_seq: number;
  /** Schema 5; null on rows of earlier releases. */
  muted_until: number | null;
  /** Schema 7; null (the user's default) on rows of earlier releases. */
  notify?: string | null;
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
    // `?? null`: a row read through a connection that predates the columns has none of them.
    image: row.image ?? null,
    description: row.description ?? null,
    custom: parseDetailsJson(row.custom),
    slowModeMs: row.slow_mode_ms ?? null,
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
    mutedUntil: row.muted_until ?? null,
    notify: row.notify === 'all' || row.notify === 'mentions' ? row.notify : null,
  };
}

export function toEvent(row: EventRow): LogEvent {
  // The row holds what an append was given; the wire shape is toLogEvent's (the dedup key only on
  // the kinds that carry one), built field by field: a sync reads thousands of rows at once (W4
  // in bench/), and an object rest per row cost more than the SQLite read.
  const kind = row.kind as LogEvent['kind'];
  const data = JSON.parse(row.data) as unknown;
  const event = carriesClientMsgId(kind)
    ? { conversationId: row.conversation_id, senderId: row.sender_id, ts: row.ts, kind, data, clientMsgId: row.client_msg_id, id: row.id, seq: row.seq }
    : { conversationId: row.conversation_id, senderId: row.sender_id, ts: row.ts, kind, data, id: row.id, seq: row.seq };
  return event as LogEvent;
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
export type MembershipRow = ConversationRow & {
  m_role: MemberRole;
  m_joined_at: number;
  m_delivered_seq: number;
  m_read_seq: number;
  m_muted_until: number | null;
  m_notify: string | null;
};

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
      muted_until: row.m_muted_until,
      notify: row.m_notify,
    }),
  };
}

/** A group's `custom` column back to an object; text that is not a JSON object (never written by Parley) reads as null. */
function parseDetailsJson(json: string | null | undefined): Record<string, unknown> | null {
  if (json === null || json === undefined) return null;
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
