import type { Collection, Db, WriteConcernSettings } from 'mongodb';
import type { ConversationKind, LogEvent } from '@parley/protocol';
import type { AppendInput, StoredConversation, StoredMember } from './types.js';
import { laneOf, toLogEvent } from './store-helpers.js';

/** Documents as Parley keeps them in MongoDB, and their mapping to the store's shapes. */

export interface ConversationDoc {
  _id: string;
  kind: ConversationKind;
  title: string | null;
  /** Absent (not null) on groups, so that the sparse unique index leaves them out. */
  directKey?: string;
  createdBy: string;
  createdAt: number;
  /** A hint that may lag the log after a crash: the log's highest seq is the truth. */
  lastSeq: number;
  lastActivityAt: number;
  memberCount: number;
  /** The members the conversation was created with: lets a retried create finish the job. */
  initialMembers: string[];
  /**
   * Format 4's group details (`updateConversation`): absent until set (documents of earlier
   * releases have none) and once cleared. `custom` is kept as JSON text, like a message's
   * (`customJson` on events): app JSON may hold keys a document cannot.
   */
  image?: string;
  description?: string;
  customJson?: string;
  slowModeMs?: number;
}

/** A membership as stored: the contract's shape plus its key. */
export interface MemberDoc extends Omit<StoredMember, 'mutedUntil' | 'notify'> {
  /** `${conversationId}\n${userId}`: one document per membership, so joining is an upsert. */
  _id: string;
  /** Format 4: absent when not muted (and on documents of earlier releases). */
  mutedUntil?: number | null;
  /** Format 6: absent (the user's default) until the member chooses (and on documents of earlier releases). */
  notify?: StoredMember['notify'];
}

export interface EventDoc {
  /** The event id. */
  _id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  /** Kept for every event (system events too): the dedup key. */
  clientMsgId: string;
  ts: number;
  kind: LogEvent['kind'];
  /** A message's `custom` lives in `customJson` instead (see `toEventDoc`); `mentions` stays here, indexed. */
  data: LogEvent['data'];
  /**
   * A message's app data (`custom`) as JSON text. App JSON may hold what a document cannot: keys
   * with `$`, `.` or NUL, and (on FerretDB) nested arrays; Parley never queries it, so it is kept
   * as the text it is. Absent when the message has none.
   */
  customJson?: string;
  /**
   * The event's lane (`laneOf`): 0 on the main timeline, -root for a thread reply, the target's
   * seq for a change. Absent on documents a protocol-4 node inserted (during a rolling deploy):
   * those are timeline events, and lane-0 reads match a missing lane too (`TIMELINE_LANE`).
   * Never null; typed so because a filter's `null` is how MongoDB matches a missing field.
   */
  lane?: number | null;
}

/** The filter of lane 0: a document without `lane` is a timeline event of an older release. */
export const TIMELINE_LANE = { $in: [0, null] };

export interface MongoCollections {
  conversations: Collection<ConversationDoc>;
  members: Collection<MemberDoc>;
  /** Reads that users see: majority read concern by default (no event a failover could undo). */
  events: Collection<EventDoc>;
  /** The same collection read at `local`: seq allocation must see the newest write on the primary. */
  eventsLatest: Collection<EventDoc>;
}

export function memberKey(conversationId: string, userId: string): string {
  return `${conversationId}\n${userId}`;
}

export function openCollections(
  db: Db,
  prefix: string,
  writeConcern: WriteConcernSettings,
  readConcern: 'majority' | 'local',
): MongoCollections {
  // Primary reads: an ACKed message must be readable at once, from any node.
  const base = { writeConcern, readPreference: 'primary' as const };
  const latest = { ...base, readConcern: { level: 'local' as const } };
  const visible = { ...base, readConcern: { level: readConcern } };
  return {
    conversations: db.collection<ConversationDoc>(`${prefix}conversations`, latest),
    members: db.collection<MemberDoc>(`${prefix}members`, latest),
    events: db.collection<EventDoc>(`${prefix}events`, visible),
    eventsLatest: db.collection<EventDoc>(`${prefix}events`, latest),
  };
}

/**
 * Creates the indexes Parley's correctness rests on (idempotent). The unique ones are not an
 * optimisation: they are how concurrent appends from several nodes get distinct, contiguous seqs
 * and how retries are deduplicated.
 */
export async function createMongoIndexes(collections: MongoCollections): Promise<void> {
  await withIndexRetries(() => createIndexesOnce(collections));
}

/**
 * Runs an index creation, again after a failure (up to five times): createIndex is idempotent,
 * and FerretDB 1.x may drop the connection when several clients create the same indexes at once
 * (nodes starting together).
 */
export async function withIndexRetries(create: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await create();
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

async function createIndexesOnce({ events, conversations, members }: MongoCollections): Promise<void> {
  // One index per command: FerretDB 1.24 crashes on a multi-index createIndexes whose indexes
  // all exist already, which is every start after the first.
  await Promise.all([
    events
      .createIndex({ conversationId: 1, seq: 1 }, { name: 'parley_events_seq', unique: true })
      .then(() =>
        events.createIndex({ conversationId: 1, senderId: 1, clientMsgId: 1 }, { name: 'parley_events_dedup', unique: true }),
      ),
    // Sparse rather than partial: FerretDB has no partialFilterExpression; both leave groups out.
    conversations.createIndex({ directKey: 1 }, { name: 'parley_conversations_direct', unique: true, sparse: true }),
    // Multikey on the mentioned users: an unread-mention count reads one range of it.
    events.createIndex({ conversationId: 1, 'data.mentions': 1, seq: 1 }, { name: 'parley_events_mentions' }),
    // History's pages: one lane (timeline, a thread, a message's changes) in seq order.
    events.createIndex({ conversationId: 1, lane: 1, seq: 1 }, { name: 'parley_events_lane' }),
    // The replies quoting a message, for eraseMessage. On the stored replyTo itself rather than a
    // copied field: a protocol-4 node inserting a reply during a rolling deploy is indexed too.
    // Not sparse: a compound sparse index keeps every document that has conversationId anyway,
    // and FerretDB has no partialFilterExpression.
    events.createIndex({ conversationId: 1, 'data.replyTo.seq': 1 }, { name: 'parley_events_quotes' }),
    members
      .createIndex({ conversationId: 1, userId: 1 }, { name: 'parley_members_conversation', unique: true })
      .then(() => members.createIndex({ userId: 1 }, { name: 'parley_members_user' })),
  ]);
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

export function toConversation(doc: ConversationDoc): StoredConversation {
  return {
    id: doc._id,
    kind: doc.kind,
    title: doc.title,
    directKey: doc.directKey ?? null,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    lastSeq: doc.lastSeq,
    lastActivityAt: doc.lastActivityAt,
    memberCount: doc.memberCount,
    image: doc.image ?? null,
    description: doc.description ?? null,
    custom: typeof doc.customJson === 'string' ? parseCustom(doc.customJson) : null,
    slowModeMs: doc.slowModeMs ?? null,
  };
}

export function toMember(doc: MemberDoc): StoredMember {
  return {
    conversationId: doc.conversationId,
    userId: doc.userId,
    role: doc.role,
    joinedAt: doc.joinedAt,
    deliveredSeq: doc.deliveredSeq,
    readSeq: doc.readSeq,
    mutedUntil: doc.mutedUntil ?? null,
    notify: doc.notify === 'all' || doc.notify === 'mentions' ? doc.notify : null,
  };
}

export function toEventDoc(event: LogEvent, clientMsgId: string): EventDoc {
  const { id, conversationId, seq, senderId, ts, kind } = event;
  const doc = { _id: id, conversationId, seq, senderId, clientMsgId, ts, kind, lane: laneOf(event) };
  if (event.kind !== 'message' || event.data.custom === undefined) return { ...doc, data: event.data };
  const { custom, ...data } = event.data;
  return { ...doc, data, customJson: JSON.stringify(custom) };
}

export function toEvent(doc: EventDoc): LogEvent {
  // Named fields only: a newer release may store more beside them, which this version must not
  // pass on. The document holds what an append was given; toLogEvent decides the wire shape.
  const { _id, seq, conversationId, senderId, clientMsgId, ts, kind, customJson } = doc;
  const data = kind === 'message' && typeof customJson === 'string' ? { ...doc.data, custom: parseCustom(customJson) } : doc.data;
  return toLogEvent({ conversationId, senderId, clientMsgId, ts, kind, data } as AppendInput, _id, seq);
}

/** `customJson` back to an object; text that is not a JSON object (never written by Parley) reads as `{}` rather than failing the whole read. */
function parseCustom(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
