import type { Namespace, Socket } from 'socket.io';
import { ErrorCode, ParleyError, type ServerFrame, type LimitsShape } from '@parley/protocol';
import type { ChatStore, StoredConversation, StoredMember } from '../store/types.js';
import type { Logger } from '../logger.js';
import type { Limiter } from '../scale-out/types.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { HookRunner } from './hooks.js';
import type { StoredEvents } from './stored-events.js';
import type { Profiles } from './profiles.js';
import type { ReportChannel } from './reports.js';
import type { SlowMode } from './slow-mode.js';
import type { Attachments } from './attachments.js';
import type { Notifications } from './notifications.js';
import type { Search } from './search.js';
import type { MemberView, MembershipCache } from './membership-cache.js';

/** Decides whether a user may create a conversation with these members. */
export type CanCreateConversation = (request: {
  userId: string;
  kind: 'direct' | 'group';
  members: string[];
}) => boolean | Promise<boolean>;

/** A request to put users into a conversation, as `canAddMembers` sees it. */
export interface AddMembersRequest {
  /** The user acting. */
  actor: string;
  /** The users who would join: never the actor, never someone already a member. */
  userIds: string[];
  /** What puts them there: opening a new direct conversation, creating a group, or adding to one. */
  action: 'direct.open' | 'group.create' | 'members.add';
  /** The conversation they would join; null while it does not exist yet. */
  conversationId: string | null;
}

/**
 * Decides whether `actor` may put `userIds` into a conversation (consent, blocking, contacts
 * only). A refusal answers the actor FORBIDDEN and stores nothing, so the targets learn nothing.
 */
export type CanAddMembers = (request: AddMembersRequest) => boolean | Promise<boolean>;

/** Everything a frame handler needs, shared by all connections of one server. */
export interface ServerContext {
  nsp: Namespace;
  store: ChatStore;
  logger: Logger;
  limits: LimitsShape;
  sendLimiter: Limiter;
  typingLimiter: Limiter;
  canCreateConversation: CanCreateConversation | undefined;
  canAddMembers: CanAddMembers | undefined;
  /** Conversations each user may create (keyed by user id; shared by all nodes with a scale-out). */
  createLimiter: Limiter;
  /** Conversations up to this size get receipt updates pushed to every member. */
  receiptFanoutMax: number;
  /** Conversations above this many members push live events to watchers only. */
  fanoutThreshold: number;
  /** How long a typing indicator shows without a new `typing` frame. */
  typingTtlMs: number;
  presence: PresenceService;
  metrics: ChatMetrics;
  /** The rules of edits (see `MessageOptions`). */
  messages: Required<MessageOptions>;
  /** Slow mode's limiters (one message per member per `slowModeMs` in a group). */
  slowMode: SlowMode;
  /** The app's write hooks (`beforeSend`, `beforeChange`). */
  hooks: HookRunner;
  /** The step every stored event passes before anyone is told: webhooks' queue, then listeners. */
  storedEvents: StoredEvents;
  /** Files: upload slots, checks before a message holds them, download URLs; null when the server takes none. */
  attachments: Attachments | null;
  /** Notifications of messages to people who are away (notifications.ts); null when the server sends none. */
  notifications: Notifications | null;
  /** Members per conversation between sends, checked against the log (membership-cache.ts). */
  members: MembershipCache;
  /** Message search (search.ts); null when the deployment turned it off. */
  search: Search | null;
  /** Users' profiles from the app's directory (profiles.ts) and where reports go (reports.ts). */
  people: { profiles: Profiles; reports: ReportChannel };
  now(): number;
}

/** How messages may change after they are sent. */
export interface MessageOptions {
  /**
   * How long after sending its sender may edit a message, in ms (default 24 hours; `Infinity`:
   * always; 0: never). Deletes have no window.
   */
  editWindowMs?: number;
  /**
   * Keep every prior version of an edited message in the store (default false: after an edit,
   * the store erases the text and custom data it replaced, so only the current content remains;
   * a delete erases every version either way). Clients never see prior versions through history;
   * with `true`, they remain in the log's edit events, readable by sync and by your own queries.
   */
  keepEditHistory?: boolean;
}

/** One authenticated connection: a (user, device). */
export interface Connection {
  socket: Socket;
  userId: string;
  deviceId: string;
  /** The protocol version this connection speaks (negotiated in the handshake). */
  protocol: number;
  /** Whether it joins the previous release's rooms too: only on a node with a scale-out (fanout.ts). */
  bridged: boolean;
  /** Sends a frame, in this connection's protocol version (see protocol-edge.ts). */
  send(frame: ServerFrame): void;
}

/**
 * The conversation and the caller's membership. Unknown conversations and non-members get the
 * same NOT_FOUND, so a non-member learns nothing, not even that the conversation exists.
 */
export async function requireMembership(
  ctx: ServerContext,
  conversationId: string,
  userId: string,
): Promise<{ conversation: StoredConversation; member: StoredMember }> {
  const [conversation, member] = await Promise.all([
    ctx.store.getConversation(conversationId),
    ctx.store.getMember(conversationId, userId),
  ]);
  if (!conversation || !member) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  return { conversation, member };
}

/**
 * `requireMembership` for the write path (SEND, CHANGE): the conversation read now, and the
 * caller's membership from the membership cache, which that read keeps exact (membership-cache.ts).
 * One store read where `requireMembership` makes two, and the fan-out then reads no member list.
 */
export async function requireMember(
  ctx: ServerContext,
  conversationId: string,
  userId: string,
): Promise<{ conversation: StoredConversation; member: MemberView }> {
  const conversation = await ctx.store.getConversation(conversationId);
  const member = conversation ? await ctx.members.member(conversation, userId) : null;
  if (!conversation || !member) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  return { conversation, member };
}
