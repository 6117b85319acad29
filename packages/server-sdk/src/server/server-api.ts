import * as v from 'valibot';
import { ErrorCode, Id, ParleyError, SearchFrame, type Attachment, type ConversationPatch, type LogEvent, type MemberRole, type MessageEvent, type UploadTarget } from '@parley/protocol';
import type { MembershipPage, StoredConversation, StoredMember, StoredMembership, StoredReport } from '../store/types.js';
import type { ServerContext } from './context.js';
import { apiChange, apiSend, apiUpload, parse, requireConversation, type ApiChangeInput, type ApiSendInput, type ApiUploadInput, type ApiWriteResult } from './api-messages.js';
import { apiAddMembers, apiCreateGroup, apiOpenDirect, apiRemoveMembers, apiSetRole, apiUnban, apiUpdateConversation, type ApiGroupInput } from './api-conversations.js';
import { threadRoot } from './handlers/history.js';
import { foldMessages, lanePage } from './message-pages.js';
import { knownEvents } from './known-events.js';
import { userRoom } from './fanout.js';
import { listReports, type ReportFilter } from './reports.js';
import type { SearchAnswer, SearchRequest } from './search.js';

/**
 * Your backend's hands on Parley, without a socket: `chat.api`. Every write takes the path a
 * client's write takes (the store's seq and dedup, the webhook queue, the push to every member
 * connection on every node of a cluster), so clients cannot tell it from a user's. Bad input
 * throws a `ParleyError` (BAD_FRAME, NOT_FOUND, FORBIDDEN, LIMIT_EXCEEDED) and stores nothing.
 */
export interface ChatApi {
  /** Creates a group, or returns the one with `input.id` if it exists (idempotent by your id). */
  createGroup(input: ApiGroupInput): Promise<{ conversation: StoredConversation; created: boolean }>;
  /** The direct conversation of two users, created on first use. */
  openDirect(userA: string, userB: string): Promise<{ conversation: StoredConversation; created: boolean }>;
  /** Adds users to a group in the name of `by` (its `members.added` sender); returns the newly added. */
  addMembers(conversationId: string, userIds: string[], options: { by: string }): Promise<string[]>;
  /** Removes users from a group in the name of `by`; with `ban`, they cannot be added back until unbanned. Returns those who were members. */
  removeMembers(conversationId: string, userIds: string[], options: { by: string; ban?: boolean }): Promise<string[]>;
  /** A group's bans. */
  listBans(conversationId: string): Promise<string[]>;
  /** Lifts bans; returns the group's bans after. */
  unban(conversationId: string, userIds: string[]): Promise<string[]>;
  /** Changes a group's details (title, image, description, custom, slow mode) in the name of `by`. */
  updateConversation(conversationId: string, patch: ConversationPatch, options: { by: string }): Promise<StoredConversation>;
  /** Makes a member `admin` or `member`, or hands them the ownership (`owner`), in the name of `by`. */
  setRole(conversationId: string, userId: string, role: MemberRole, options: { by: string }): Promise<void>;
  /** Sends a message as `senderId`: a member, or a bot or system id that need not be one. */
  send(input: ApiSendInput): Promise<ApiWriteResult<MessageEvent>>;
  /**
   * A slot to upload a file to (PUT the bytes to `upload.url` with `upload.headers`), then
   * `send({ attachments: [attachment.id] })` in the name of the same `as`. Needs `attachments`.
   */
  upload(input: ApiUploadInput): Promise<{ attachment: Attachment; upload: UploadTarget }>;
  /**
   * Sweeps now what every node sweeps each `attachments.sweepEveryMs`: uploads no message holds
   * past their TTL, claims of sends that died, deleted messages' leftovers. Returns the records
   * removed (0 without `attachments`).
   */
  sweepAttachments(): Promise<number>;
  /** Edits any message (no window, any sender's), in the name of `by`. */
  edit(input: Omit<Extract<ApiChangeInput, { kind: 'edit' }>, 'kind'>): Promise<ApiWriteResult>;
  /** Deletes any message in the name of `by`: its content is erased before this resolves. */
  delete(input: Omit<Extract<ApiChangeInput, { kind: 'delete' }>, 'kind'>): Promise<ApiWriteResult>;
  /** Adds `by`'s reaction `key`. */
  react(input: Omit<Extract<ApiChangeInput, { kind: 'react' }>, 'kind'>): Promise<ApiWriteResult>;
  /** Takes back `by`'s reaction `key`. */
  unreact(input: Omit<Extract<ApiChangeInput, { kind: 'unreact' }>, 'kind'>): Promise<ApiWriteResult>;
  /**
   * Closes every connection of a user, on every node (through the scale-out's adapter). With a
   * refusing `authenticate`, this is a global ban taking effect at once: their apps cannot
   * reconnect. Resolves once this node asked the others.
   */
  disconnectUser(userId: string): Promise<void>;
  /** A conversation, or null. */
  getConversation(conversationId: string): Promise<StoredConversation | null>;
  /** Its members with their roles and watermarks (NOT_FOUND for a missing conversation). */
  listMembers(conversationId: string): Promise<StoredMember[]>;
  /** A user's conversations, newest activity first, a page at a time (`page.after`: the last row's position). */
  listConversations(userId: string, page?: Partial<MembershipPage>): Promise<StoredMembership[]>;
  /** A message as it is now (edits, deletion, reactions, reply count), or null. */
  getMessage(conversationId: string, messageId: string): Promise<MessageEvent | null>;
  /**
   * A page of the timeline (or of one thread) before `beforeSeq`, ascending, messages as they are
   * now: what a client's history shows.
   */
  history(conversationId: string, options?: { beforeSeq?: number; limit?: number; threadId?: string }): Promise<{ events: LogEvent[]; hasMore: boolean }>;
  /**
   * One page of `userId`'s message search, as their apps get it (only their conversations; edited
   * messages by their current text, deleted ones never). Not rate limited: your backend's own
   * searches, or a search endpoint of your own that applies its rules first. See docs/search.md.
   */
  search(userId: string, request: SearchRequest): Promise<SearchAnswer>;
  /** These users' profiles changed in your app: every node forgets them and every client is told (`users.changed`) to ask again. */
  invalidateUsers(userIds: string[]): void;
  /** Reports of messages, newest first (by last reported), optionally of one conversation; page with `after` (the last id). */
  listReports(filter?: ReportFilter): Promise<StoredReport[]>;
}

const MAX_PAGE = 500;
const ApiSearchRequest = v.omit(SearchFrame, ['type', 'reqId']);
const UserIds = v.pipe(v.array(Id), v.minLength(1));

export function createChatApi(ctx: ServerContext): ChatApi {
  const bounded = (limit: number | undefined, fallback: number) => {
    if (limit === undefined) return fallback;
    if (!Number.isInteger(limit) || limit < 1) throw new ParleyError(ErrorCode.BAD_FRAME, 'limit: a whole number ≥ 1');
    return Math.min(limit, MAX_PAGE);
  };
  return {
    createGroup: (input) => apiCreateGroup(ctx, input),
    openDirect: (a, b) => apiOpenDirect(ctx, a, b),
    addMembers: (conversationId, userIds, { by }) => apiAddMembers(ctx, conversationId, userIds, by),
    removeMembers: (conversationId, userIds, { by, ban }) => apiRemoveMembers(ctx, conversationId, userIds, by, { ban }),
    async listBans(conversationId) {
      const conversation = await requireConversation(ctx, conversationId);
      return ctx.store.listBans(conversation.id);
    },
    unban: (conversationId, userIds) => apiUnban(ctx, conversationId, userIds),
    updateConversation: (conversationId, patch, { by }) => apiUpdateConversation(ctx, conversationId, patch, by),
    setRole: (conversationId, userId, role, { by }) => apiSetRole(ctx, conversationId, userId, role, by),
    send: (input) => apiSend(ctx, input),
    upload: (input) => apiUpload(ctx, input),
    sweepAttachments: async () => (ctx.attachments ? ctx.attachments.sweep() : 0),
    edit: (input) => apiChange(ctx, { ...input, kind: 'edit' }),
    delete: (input) => apiChange(ctx, { ...input, kind: 'delete' }),
    react: (input) => apiChange(ctx, { ...input, kind: 'react' }),
    unreact: (input) => apiChange(ctx, { ...input, kind: 'unreact' }),
    async disconnectUser(userId) {
      ctx.nsp.in(userRoom(parse(Id, userId, 'userId'))).disconnectSockets(true);
    },
    getConversation: (conversationId) => ctx.store.getConversation(parse(Id, conversationId, 'conversationId')),
    async listMembers(conversationId) {
      const conversation = await requireConversation(ctx, conversationId);
      return ctx.store.listMembers(conversation.id);
    },
    listConversations: (userId, page = {}) =>
      ctx.store.listMemberships(parse(Id, userId, 'userId'), { limit: bounded(page.limit, 100), ...(page.after ? { after: page.after } : {}) }),
    async getMessage(conversationId, messageId) {
      const conversation = await requireConversation(ctx, conversationId);
      const event = await ctx.store.getEvent(conversation.id, parse(Id, messageId, 'messageId'));
      if (!event || event.kind !== 'message') return null;
      const [folded] = knownEvents(await foldMessages(ctx.store, ctx.logger, conversation.id, [event], conversation.lastSeq));
      return (folded as MessageEvent | undefined) ?? null;
    },
    async history(conversationId, options = {}) {
      const conversation = await requireConversation(ctx, conversationId);
      const lane = options.threadId === undefined ? 0 : -(await threadRoot(ctx.store, conversation.id, parse(Id, options.threadId, 'threadId'))).seq;
      const limit = bounded(options.limit, ctx.limits.defaultPageSize);
      const beforeSeq = Math.min(options.beforeSeq ?? Number.MAX_SAFE_INTEGER, conversation.lastSeq + 1);
      const page = await lanePage(ctx.store, ctx.logger, conversation.id, lane, beforeSeq, limit + 1, conversation.lastSeq);
      return { events: knownEvents(page.length > limit ? page.slice(1) : page), hasMore: page.length > limit };
    },
    async search(userId, request) {
      if (!ctx.search) throw new ParleyError(ErrorCode.FORBIDDEN, 'search is turned off on this server');
      return ctx.search.search(parse(Id, userId, 'userId'), parse(ApiSearchRequest, request, 'search'), { rateLimited: false });
    },
    invalidateUsers: (userIds) => ctx.people.profiles.invalidate(parse(UserIds, userIds, 'userIds')),
    listReports: (filter) => listReports(ctx, filter),
  };
}
