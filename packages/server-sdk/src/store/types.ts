import type { SearchIndex } from '../search/types.js';
import type { ChangeKind, ConversationKind, ConversationPatch, LogEvent, MemberRole, ReactionGroup, RoleChange } from '@parley/protocol';
import type { AttachmentStore } from './attachment-types.js';
import type { MemberNotify, NotificationQueue, NotifyLevel, PushSubscriptionStore } from './notification-types.js';
export type * from './attachment-types.js';
export type * from './notification-types.js';

export type { MemberRole, RoleChange } from '@parley/protocol';

/** A conversation as the store keeps it. */
export interface StoredConversation {
  id: string;
  kind: ConversationKind;
  title: string | null;
  /** For direct conversations: the two user ids, sorted, joined by `\n`. Unique. */
  directKey: string | null;
  createdBy: string;
  createdAt: number;
  /** Seq of the newest event; 0 before the first. Never decreases. */
  lastSeq: number;
  /** `ts` of the newest event. */
  lastActivityAt: number;
  memberCount: number;
  /** The group's details (`conversation.update`): null until set, and when cleared. */
  image: string | null;
  description: string | null;
  custom: Record<string, unknown> | null;
  /** Slow mode: one message per member this often (ms); null when off. */
  slowModeMs: number | null;
}


/** One user's membership of one conversation, with their watermarks. */
export interface StoredMember {
  conversationId: string;
  userId: string;
  role: MemberRole;
  joinedAt: number;
  /** Highest seq delivered to any of the user's devices. Monotonic, ≤ lastSeq. */
  deliveredSeq: number;
  /** Highest seq the user has read. Monotonic, ≤ lastSeq, and `deliveredSeq ≥ readSeq`. */
  readSeq: number;
  /** Muted until this time (ms), private to the user; null when not muted. */
  mutedUntil: number | null;
  /** What the user is notified of in this conversation, private to them; null follows their `StoredUserSettings.notify`. */
  notify: MemberNotify;
}

/** A report of a message (`report`), kept for the app's moderators. */
export interface StoredReport {
  /** Unique; the same (reporter, message) keeps its id when reported again. */
  id: string;
  conversationId: string;
  messageId: string;
  messageSeq: number;
  reporterId: string;
  reason: string;
  /** When first reported, and when last (a repeat updates `reason` and `updatedAt`). */
  createdAt: number;
  updatedAt: number;
}

/** One row of `listMemberships`. */
export interface StoredMembership {
  conversation: StoredConversation;
  member: StoredMember;
}

/** A page of `listMemberships`: the position is the `(lastActivityAt, conversationId)` of the last row of the previous page. */
export interface MembershipPage {
  after?: { lastActivityAt: number; conversationId: string };
  limit: number;
}

export interface CreateConversationInput {
  /** Used when a new conversation is made; ignored when a direct one already exists. */
  id: string;
  kind: ConversationKind;
  title: string | null;
  createdBy: string;
  /** Every member, the creator included. */
  members: string[];
  /** Required for `direct`: see `StoredConversation.directKey`. */
  directKey: string | null;
  ts: number;
}

/** What a caller asks to append; the store assigns `id` and `seq`. */
export type AppendInput = {
  conversationId: string;
  senderId: string;
  /**
   * Dedup key, unique per (conversation, sender). Messages carry the client's id; system events
   * carry a deterministic one so that a retried operation appends once.
   */
  clientMsgId: string;
  ts: number;
} & DistributiveOmit<LogEvent, 'id' | 'conversationId' | 'seq' | 'senderId' | 'ts' | 'clientMsgId'>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface AppendResult {
  event: LogEvent;
  /** True when `(conversationId, senderId, clientMsgId)` was already stored: `event` is the original. */
  duplicate: boolean;
}

/**
 * A group change as `appendChange` takes it: its event, whose data is the change the store
 * applies with it (`conversation.updated`: the details it names; `members.role`: the roles).
 */
export type GroupChangeInput = Extract<AppendInput, { kind: 'conversation.updated' | 'members.role' }>;

/**
 * A message change as `appendChange` takes it: its event, and the erasure the store makes with
 * it. A delete erases the message (`eraseMessage(conversationId, messageSeq)`); an edit with
 * `eraseReplaced` erases the versions it replaced (`eraseMessage(conversationId, messageSeq, {
 * keepEditSeq })`, the edit's own seq), and without it keeps them (a deployment that keeps edit
 * history). The flag is not stored with the event.
 */
export type MessageChangeInput =
  | Extract<AppendInput, { kind: 'message.deleted' }>
  | (Extract<AppendInput, { kind: 'message.edited' }> & { eraseReplaced: boolean });

/** What `appendChange` takes: a group change or a message change, each made with its event as one operation. */
export type ChangeInput = GroupChangeInput | MessageChangeInput;

export interface ChangeResult extends AppendResult {
  /** The conversation after the change (for a duplicate: as it is now). */
  conversation: StoredConversation;
}

export interface WatermarkUpdate {
  deliveredSeq?: number;
  readSeq?: number;
}

/** One device's own watermarks in one conversation: what that device reported. */
export interface StoredDeviceWatermarks {
  conversationId: string;
  userId: string;
  deviceId: string;
  /** Monotonic, ≤ lastSeq, ≥ readSeq, like the member's. */
  deliveredSeq: number;
  readSeq: number;
  /** When the device last reported watermarks (monotonic). */
  updatedAt: number;
}

/** A user's privacy settings; `DEFAULT_USER_SETTINGS` until the user changes one. */
export interface StoredUserSettings {
  /** Others see how far this user read. */
  readReceipts: boolean;
  /** Others see this user's online/away status. */
  presence: boolean;
  /** Others see when this user was last online. */
  lastSeen: boolean;
  /** What this user is notified of while away (`all` by default); a conversation's own choice wins (`StoredMember.notify`). */
  notify: NotifyLevel;
}

export const DEFAULT_USER_SETTINGS: Readonly<StoredUserSettings> = Object.freeze({
  readReceipts: true,
  presence: true,
  lastSeen: true,
  notify: 'all',
});

/** The state of one webhook delivery. */
export type DeliveryState = 'pending' | 'delivered' | 'dead';

/** A delivery to enqueue: one stored event (or app notice) for one endpoint. */
export interface NewDelivery {
  /** `${endpoint}:${eventId}`: enqueueing the same id again changes nothing (at-least-once, never twice queued). */
  id: string;
  /** The endpoint's name, as configured on the server. */
  endpoint: string;
  /** The idempotency key receivers see: a log event's id, or the id of a notice (a report). */
  eventId: string;
  /** The conversation of a log event (its body is read from the log when sent, so erasure holds); null for a notice. */
  conversationId: string | null;
  /** A notice's JSON body; null for a log event. */
  payload: string | null;
  /** Earliest time of the first attempt (ms). */
  nextAttemptAt: number;
  createdAt: number;
}

/** A delivery as the queue holds it. */
export interface StoredDelivery extends NewDelivery {
  state: DeliveryState;
  /** Attempts made so far. */
  attempts: number;
  /** While claimed: until when the claimer holds it (ms); 0 when free. */
  leaseUntil: number;
  /**
   * The current claim's token, null when unclaimed: only its holder may settle. A claim taken after
   * the lease ran out replaces it, so a claimer that overran its lease may no longer settle.
   */
  claimToken: string | null;
  /** The last failure (status line or network error), null if none yet. */
  lastError: string | null;
  updatedAt: number;
}

/** How a claimed delivery ended. */
export type DeliveryOutcome =
  | { state: 'delivered' }
  | { state: 'pending'; nextAttemptAt: number; error: string }
  | { state: 'dead'; error: string };

/**
 * The webhook delivery queue, kept in the store so that a restart or a SIGKILL loses nothing: an
 * event is enqueued before its ACK, and a delivery stays until a receiver answered 2xx or it died.
 * Several nodes share one queue: each delivery is claimed by one of them at a time (a lease), and
 * a node that stops mid-send leaves a lease that runs out, so another node sends it.
 */
export interface WebhookQueue {
  /**
   * Adds deliveries as `pending` (no attempts, no lease, `updatedAt = ts`); an id already queued
   * (in any state: a delivered one stays delivered) is left as it is, also within one call.
   * Resolves once they are as durable as an append.
   */
  enqueueDeliveries(deliveries: readonly NewDelivery[], ts: number): Promise<void>;
  /**
   * Claims up to `limit` pending deliveries due at `now` (`nextAttemptAt ≤ now`) and not leased
   * (`leaseUntil ≤ now`), oldest `nextAttemptAt` first (then by id): each gets `leaseUntil = now +
   * leaseMs`, a fresh `claimToken`, `attempts + 1` and `updatedAt = now`, and is returned so. A
   * claimed delivery stays `pending`: if its claimer never settles, it is claimable again once its
   * lease ran out. Concurrent claimers (other processes included) never get the same delivery
   * while its lease holds. `limit ≤ 0` claims nothing.
   */
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<StoredDelivery[]>;
  /**
   * Ends a claim: delivered, pending again (retry at `nextAttemptAt`, `lastError` set) or dead
   * (`lastError` set). Only the current claim's token settles, once: a token a later claim
   * replaced, or one already used, gets false and changes nothing. (A claimer whose lease ran out
   * but that nobody replaced still settles: its answer is the newest there is.) Clears the lease
   * and the token; `updatedAt = ts`.
   */
  settleDelivery(id: string, claimToken: string, outcome: DeliveryOutcome, ts: number): Promise<boolean>;
  /**
   * Deliveries in one state (of one endpoint when given), oldest `createdAt` first (then by id), at
   * most `limit`. `after` is the id of the last delivery of the previous page: the page holds those
   * after it in that order (a cursor that no longer exists, purged since, gives an empty page).
   */
  listDeliveries(filter: { state: DeliveryState; endpoint?: string; after?: string; limit: number }): Promise<StoredDelivery[]>;
  /**
   * Puts deliveries back in the queue (dead or delivered ones; pending ones are left alone):
   * pending, due at `now`, `attempts` 0, no lease, `updatedAt = now` (`lastError` kept, to see
   * why it had died). By `ids` (unknown ones ignored), or every dead one (of `endpoint` when
   * given). Returns how many were requeued.
   */
  replayDeliveries(filter: { ids: readonly string[] } | { state: 'dead'; endpoint?: string }, now: number): Promise<number>;
  /** Drops delivered deliveries last updated before `before`; returns how many. */
  purgeDeliveries(before: number): Promise<number>;
}

/**
 * Per-user and per-group moderation state: blocks (a user's own list), bans (a group's), reports.
 * Plain sets: the server decides what they mean (see docs/security.md).
 */
export interface ModerationStore {
  /** The users `userId` blocks, in the order blocked. */
  listBlocks(userId: string): Promise<string[]>;
  /**
   * Adds and removes blocks (idempotent; `block` first, then `unblock`); returns the list after.
   * Refuses (LIMIT_EXCEEDED, changing nothing) a list that would pass `maxBlocks`.
   */
  updateBlocks(userId: string, change: { block?: readonly string[]; unblock?: readonly string[] }, maxBlocks: number, ts: number): Promise<string[]>;
  /** Of `others`, those who block `userId` or whom `userId` blocks (either way: they do not reach each other). */
  blockedBetween(userId: string, others: readonly string[]): Promise<string[]>;
  /** The users banned from a conversation, in the order banned. */
  listBans(conversationId: string): Promise<string[]>;
  /** Bans (idempotent). */
  addBans(conversationId: string, userIds: readonly string[], ts: number): Promise<void>;
  /** Lifts bans (idempotent). */
  removeBans(conversationId: string, userIds: readonly string[]): Promise<void>;
  /** Of `userIds`, those banned from the conversation. */
  filterBanned(conversationId: string, userIds: readonly string[]): Promise<string[]>;
  /**
   * Stores a report; the same reporter reporting the same message again updates `reason` and
   * `updatedAt` and keeps the id. Returns the report and whether it is new.
   */
  saveReport(report: StoredReport): Promise<{ report: StoredReport; created: boolean }>;
  /** Reports, newest `updatedAt` first (then id), optionally of one conversation, after `after` (an id). */
  listReports(filter: { conversationId?: string; after?: string; limit: number }): Promise<StoredReport[]>;
}

/**
 * The storage contract every Parley store implements. All methods are async; the store is the
 * truth of the whole system, so each must keep the promises below even when several server
 * processes use one database at once. `runStoreConformance` (`@parley/server-sdk/testing`)
 * checks them.
 */
export interface ChatStore extends WebhookQueue, ModerationStore, AttachmentStore, NotificationQueue, PushSubscriptionStore {
  /**
   * Creates a conversation with its members and appends its `conversation.created` event (seq 1).
   * For `direct`, idempotent by `directKey`: a second call, even a concurrent one, returns the
   * existing conversation with `created: false`.
   */
  createConversation(input: CreateConversationInput): Promise<{ conversation: StoredConversation; created: boolean }>;
  getConversation(conversationId: string): Promise<StoredConversation | null>;
  getMember(conversationId: string, userId: string): Promise<StoredMember | null>;
  /**
   * Every member of a conversation (for fan-out), in no particular order; with `filter.role`, only
   * the members with that role (callers filter again, so a store may ignore the filter).
   */
  listMembers(conversationId: string, filter?: { role?: MemberRole }): Promise<StoredMember[]>;
  /**
   * A user's memberships with their conversations, newest activity first and, at equal
   * `lastActivityAt`, by conversation id ascending. With `page`: at most `page.limit` of them,
   * strictly after `page.after` in that order, so that a user in thousands of conversations is
   * read a bounded page at a time (sync and REST never read the whole list).
   */
  listMemberships(userId: string, page?: MembershipPage): Promise<StoredMembership[]>;
  /**
   * Changes a group's details (only the fields the patch names; null clears). Returns the
   * conversation after, or null when there is none. Records no event: the server changes details
   * with `appendChange`, which appends one with the change.
   */
  updateConversation(conversationId: string, patch: ConversationPatch): Promise<StoredConversation | null>;
  /**
   * Sets members' roles, all or none (a handover is two changes: the new owner, the previous one
   * now admin). Members not in the conversation are skipped. Returns the changed members after.
   */
  setRoles(conversationId: string, changes: readonly RoleChange[]): Promise<StoredMember[]>;
  /** Sets or clears (null) a member's `mutedUntil`; returns the member after, or null for a non-member. */
  setMutedUntil(conversationId: string, userId: string, until: number | null): Promise<StoredMember | null>;
  /** Sets a member's `notify` (null: back to their default); returns the member after, or null for a non-member. */
  setMemberNotify(conversationId: string, userId: string, notify: MemberNotify): Promise<StoredMember | null>;
  /** Adds members (idempotent); returns the ids that were not members before. */
  addMembers(conversationId: string, userIds: string[], role: MemberRole, ts: number): Promise<string[]>;
  /**
   * Removes members (idempotent); returns the ids that were members before. A conversation left
   * with members but no owner passes ownership on: its longest-standing admin, or without
   * admins its longest-standing member (earliest `joinedAt`, then smallest user id), becomes
   * `owner`.
   */
  removeMembers(conversationId: string, userIds: string[]): Promise<string[]>;
  /**
   * Appends an event at `lastSeq + 1`, atomically: seqs are contiguous from 1, unique and never
   * reused, also with concurrent appends from several processes. A repeated
   * `(conversationId, senderId, clientMsgId)` returns the original event with `duplicate: true`.
   * Resolves only once the event is durable (as durable as the store is configured to be).
   */
  append(input: AppendInput): Promise<AppendResult>;
  /**
   * Applies a change and appends its event as one operation. With transactions (SQLite, memory)
   * no reader in any process and no crash ever sees the one without the other. Without them
   * (MongoDB) a change is made in steps behind a write-ahead record: a reader may see a group
   * change just before its event, or a message change's event just before its erasure (never a
   * group change's event before the change), and what a crash leaves is finished by
   * `finishPendingChanges`.
   *
   * `conversation.updated` changes the details its data names (as `updateConversation` does);
   * `members.role` sets the roles (as `setRoles` does: members not in the conversation are
   * skipped; the event is appended as given). `message.deleted` erases the message it deletes,
   * and `message.edited` with `eraseReplaced` the versions the edit replaced (`MessageChangeInput`:
   * as `eraseMessage` does, right after the append), so that no crash or failed call leaves the
   * text a user deleted or replaced in the store once its event is there; the flag is not stored.
   *
   * A repeated `(conversationId, senderId, clientMsgId)` returns the original event with
   * `duplicate: true` and applies nothing again, so a retry after a later change cannot undo it
   * (`duplicate` says whether the event was stored before the call). Throws when the
   * conversation does not exist.
   */
  appendChange(input: ChangeInput): Promise<ChangeResult>;
  /**
   * Finishes the changes a crash (or a failed call) left half made, of one conversation or of
   * all: appends their events (once each, by their dedup keys) in the order the changes were
   * made, makes the erasures of message changes, and returns the events, oldest first, for the
   * server to push (`duplicate`: the event was stored before, and only its bookkeeping or its
   * erasure was left). Idempotent. The server runs it at start
   * and before each change. Stores that apply a change and its event in one transaction (SQLite,
   * memory) never leave one: they return `[]`.
   */
  finishPendingChanges(conversationId?: string): Promise<AppendResult[]>;
  /**
   * The event `senderId` appended with this dedup key, or null if there is none (yet). Once an
   * append has resolved, this finds its event, from any process.
   */
  findEvent(conversationId: string, senderId: string, clientMsgId: string): Promise<LogEvent | null>;
  /**
   * One event of a conversation by its server id, or null when the conversation has no event with
   * that id (an id of another conversation is not found either).
   */
  getEvent(conversationId: string, eventId: string): Promise<LogEvent | null>;
  /**
   * The `limit` events of one lane before `beforeSeq` (exclusive), returned ascending. Every
   * event has a lane (`laneOf` in `@parley/protocol`): 0 for the main timeline (top-level
   * messages and membership events), the root's seq negated for a thread's replies, the target's
   * seq for a change (edit, delete, reaction). History reads lane 0 or one thread's lane; served
   * from an index on (conversation, lane, seq), so a page costs the same however many changes
   * the log holds.
   */
  readLane(conversationId: string, lane: number, beforeSeq: number, limit: number): Promise<LogEvent[]>;
  /**
   * The changes (edits, deletes, reactions) of the messages at `messageSeqs` with seq ≤
   * `throughSeq`, ascending by seq; with `kinds`, only those kinds (history reads edits and
   * deletes this way, and reactions from `readReactions`).
   */
  readChanges(
    conversationId: string,
    messageSeqs: readonly number[],
    throughSeq: number,
    options?: { kinds?: readonly ChangeKind[] },
  ): Promise<LogEvent[]>;
  /**
   * The reactions held on the messages at `messageSeqs`: for each message that has any, each key
   * with the users holding it (a user holds a key when their latest `reaction.added` or
   * `reaction.removed` of it on that message is an add), users in the order of those adds, keys
   * in the order of their earliest such add. Includes every reaction change up to `throughSeq`
   * and may include later ones (clients fold reactions as sets, so a later change counted twice
   * changes nothing). Served from an index kept with each append where the store can keep one
   * exactly (SQLite, memory), so a page of messages costs one read however many reactions it
   * holds; messages without reactions are absent from the map. A deleted message's reactions are
   * gone (`eraseMessage`).
   */
  readReactions(conversationId: string, messageSeqs: readonly number[], throughSeq: number): Promise<Map<number, ReactionGroup[]>>;
  /**
   * For each root seq that has thread replies with seq ≤ `throughSeq`: how many, and the `ts` of
   * the newest. Roots without replies are absent from the map.
   */
  countReplies(
    conversationId: string,
    rootSeqs: readonly number[],
    throughSeq: number,
  ): Promise<Map<number, { count: number; lastReplyAt: number }>>;
  /**
   * Erases a deleted message's content from the store: the message keeps only its place (`thread`),
   * its edits keep only their target, and replies quoting it keep an empty preview. Idempotent;
   * `appendChange` runs it with a `message.deleted`, and the server again for a repeated delete
   * (an event an older release appended without it is repaired by the client's retry).
   *
   * With `keepEditSeq` (an edit's seq), it erases only the versions that edit superseded: the
   * message's original text and custom data, and the content of its edits before that one
   * (`erasedEvent` in store-helpers.ts is the rule every store applies). `appendChange` does
   * this with each edit unless the deployment keeps prior versions.
   */
  eraseMessage(conversationId: string, messageSeq: number, options?: { keepEditSeq?: number }): Promise<void>;
  /** Up to `limit` events with seq > `afterSeq`, ascending, contiguous. */
  readAfter(conversationId: string, afterSeq: number, limit: number): Promise<LogEvent[]>;
  /** The `limit` events just before `beforeSeq` (exclusive), returned ascending. */
  readBefore(conversationId: string, beforeSeq: number, limit: number): Promise<LogEvent[]>;
  /**
   * Moves one device's watermarks forward, and the member's with them: never backward, never
   * above the conversation's lastSeq, and a read implies delivered; the member's watermarks are
   * never below any of their devices'. Returns both after the update (an empty update reads
   * them), or null for a non-member. Removing a member drops their device watermarks.
   */
  updateDeviceWatermarks(
    conversationId: string,
    userId: string,
    deviceId: string,
    update: WatermarkUpdate,
    ts: number,
  ): Promise<{ member: StoredMember; device: StoredDeviceWatermarks } | null>;
  /** Of `candidates`, those who share at least one conversation with `userId` (`userId` itself included if named). */
  filterCoMembers(userId: string, candidates: string[]): Promise<string[]>;
  /** Each named user's settings (the defaults for one who never changed any), keyed by user id. */
  getUserSettings(userIds: readonly string[]): Promise<Map<string, StoredUserSettings>>;
  /** Changes some of a user's settings; returns all of them after the change. */
  updateUserSettings(userId: string, patch: Partial<StoredUserSettings>): Promise<StoredUserSettings>;
  /** Number of `message` events with seq > `afterSeq` whose sender is not `userId`. */
  countUnread(conversationId: string, userId: string, afterSeq: number): Promise<number>;
  /**
   * Of those (`countUnread`), the ones whose `data.mentions` names `userId` (the protocol's
   * `isUnreadMention`). Served from an index: a user far behind in a busy group must not cost a
   * scan of the log.
   */
  countUnreadMentions(conversationId: string, userId: string, afterSeq: number): Promise<number>;
  /**
   * The store's own message search index (SQLite: FTS5 in the same file; MongoDB: a token index;
   * memory: in memory), which the server uses unless the deployment plugs another. Optional: a
   * store without one gets an in-memory index, rebuilt from the log as searches need it.
   */
  readonly searchIndex?: SearchIndex;
  /** Releases resources the store opened itself (never the user's own client or Db). */
  close(): Promise<void>;
}
