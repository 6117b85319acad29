import {
  ErrorCode,
  Limits,
  ParleyError,
  type BansResultFrame,
  type BlocksResultFrame,
  type ClientFrame,
  type ConversationSummary,
  type HistoryResultFrame,
  type LogEvent,
  type ServerFrame,
  type SettingsResultFrame,
  type ReportResultFrame,
  type UserSettings,
  type UsersResultFrame,
} from '@parley/protocol';
import { uuidv7 } from '../ids/uuidv7.js';
import { applyHistoryResult, type ChatState } from '../state/chat-state.js';
import { withBlocks, withProfiles } from '../state/people-state.js';
import { olderPageBefore } from '../state/conversation-state.js';
import { validFrame } from '../core/client-rules.js';
import type { ChatClient } from '../types.js';
import type { RequestTracker, WithReqId } from './requests.js';

export type RequestFrame = WithReqId<ClientFrame>;

/** The held replies of thread `rootId`, ascending by seq. */
function threadReplies(events: readonly LogEvent[], rootId: string): LogEvent[] {
  return events.filter((e) => e.kind === 'message' && e.data.thread?.messageId === rootId);
}

/** The client methods that are one request to the server and its answer. */
export type RequestMethods = Pick<
  ChatClient,
  | 'openDirect' | 'createGroup' | 'addMembers' | 'removeMembers' | 'loadOlder' | 'loadThread' | 'getSettings' | 'updateSettings'
  | 'updateConversation' | 'setRole' | 'getBans' | 'unban' | 'mute' | 'unmute' | 'block' | 'unblock' | 'searchUsers' | 'report'
  | 'setNotify' | 'registerPush' | 'unregisterPush'
>;

/** "Until unmuted": a time no clock reaches (the largest a JS Date holds). */
export const MUTED_FOREVER = 8.64e15;

export interface ServerRequests {
  /** Sends a request (validated first) and resolves with its answer, the frame named `answer`. */
  request(frame: RequestFrame, answer: ServerFrame['type']): Promise<ServerFrame>;
  readonly methods: RequestMethods;
}

export function createServerRequests(deps: {
  getState(): ChatState;
  commit(next: ChatState): void;
  requests: RequestTracker;
  /** History arrived: look for gaps it opened or closed. */
  checkSync(): void;
}): ServerRequests {
  const { getState, commit } = deps;

  async function request(frame: RequestFrame, answer: ServerFrame['type']): Promise<ServerFrame> {
    const { status, lastError } = getState().connection;
    // No answer can come until the app has new credentials: say so now, not after the timeout.
    if (status === 'unauthorized') {
      throw new ParleyError(ErrorCode.UNAUTHORIZED, `unauthorized: ${lastError?.message ?? 'credentials refused'}`, { cause: lastError });
    }
    if (status === 'upgrade-required') {
      throw new ParleyError(ErrorCode.UNSUPPORTED_PROTOCOL, `update the app: ${lastError?.message ?? 'the server no longer speaks its protocol'}`, { cause: lastError });
    }
    if (status === 'idle' || status === 'closed' || status === 'offline' || status === 'server-outdated') {
      throw new ParleyError(ErrorCode.UNAVAILABLE, `not connected (${status})`);
    }
    const reply = await deps.requests.request(validFrame(frame));
    if (reply.type !== answer) throw new ParleyError(ErrorCode.INTERNAL, `expected ${answer}, got ${reply.type}`);
    return reply;
  }

  const conversation = async (frame: RequestFrame): Promise<ConversationSummary> =>
    ((await request(frame, 'conversation')) as Extract<ServerFrame, { type: 'conversation' }>).conversation;

  const bans = async (conversationId: string, unban?: string[]): Promise<string[]> =>
    ((await request({ type: 'bans', reqId: uuidv7(), conversationId, ...(unban ? { unban } : {}) }, 'bans.result')) as BansResultFrame).userIds;

  /** Reads or changes the block list; the answer is what every view shows from now on. */
  const blocks = async (change: { block?: string[]; unblock?: string[] }): Promise<readonly string[]> => {
    const reply = (await request({ type: 'blocks', reqId: uuidv7(), ...change }, 'blocks.result')) as BlocksResultFrame;
    const state = getState();
    const next = withBlocks(state.blocks, reply.userIds);
    if (next !== state.blocks) commit({ ...state, blocks: next });
    return next;
  };

  const settings = async (patch: Partial<UserSettings>): Promise<UserSettings> =>
    ((await request({ type: 'settings', reqId: uuidv7(), ...patch }, 'settings.result')) as SettingsResultFrame).settings;

  const methods: RequestMethods = {
    openDirect: (userId) => conversation({ type: 'direct.open', reqId: uuidv7(), userId }),
    createGroup: ({ title, members }) =>
      conversation({ type: 'group.create', reqId: uuidv7(), members, ...(title === undefined ? {} : { title }) }),
    addMembers: (conversationId, userIds) => conversation({ type: 'members.add', reqId: uuidv7(), conversationId, userIds }),
    removeMembers: (conversationId, userIds, options = {}) =>
      conversation({ type: 'members.remove', reqId: uuidv7(), conversationId, userIds, ...(options.ban ? { ban: true } : {}) }),
    updateConversation: (conversationId, patch) => conversation({ type: 'conversation.update', reqId: uuidv7(), conversationId, patch }),
    setRole: (conversationId, userId, role) => conversation({ type: 'members.role', reqId: uuidv7(), conversationId, userId, role }),
    getBans: (conversationId) => bans(conversationId),
    unban: (conversationId, userIds) => bans(conversationId, userIds),
    mute: (conversationId, until = MUTED_FOREVER) => conversation({ type: 'mute', reqId: uuidv7(), conversationId, until }),
    unmute: (conversationId) => conversation({ type: 'mute', reqId: uuidv7(), conversationId, until: null }),
    setNotify: (conversationId, level) => conversation({ type: 'notify', reqId: uuidv7(), conversationId, level }),
    async registerPush(subscription) {
      const { endpoint, expirationTime, keys } = subscription;
      // The request is validated before it leaves: a subscription without its keys is BAD_FRAME here.
      const sub = { endpoint: endpoint ?? '', ...(expirationTime !== undefined ? { expirationTime } : {}), keys: { p256dh: keys?.p256dh ?? '', auth: keys?.auth ?? '' } };
      await request({ type: 'push.register', reqId: uuidv7(), subscription: sub }, 'push.result');
    },
    async unregisterPush() {
      await request({ type: 'push.unregister', reqId: uuidv7() }, 'push.result');
    },
    block: (userId) => blocks({ block: [userId] }),
    unblock: (userId) => blocks({ unblock: [userId] }),
    async searchUsers(query) {
      const reply = (await request({ type: 'users', reqId: uuidv7(), query }, 'users.result')) as UsersResultFrame;
      // Found profiles are profiles like any: `getUser` shows them without asking again.
      const state = getState();
      const users = withProfiles(state.users, [], reply.users);
      if (users !== state.users) commit({ ...state, users });
      return reply.users;
    },
    async report(conversationId, messageId, reason) {
      return ((await request({ type: 'report', reqId: uuidv7(), conversationId, messageId, reason }, 'report.result')) as ReportResultFrame).reportId;
    },
    async loadOlder(conversationId, limit = Limits.defaultPageSize) {
      const conv = getState().conversations.get(conversationId);
      const beforeSeq = conv ? olderPageBefore(conv) : undefined;
      if (beforeSeq !== undefined && beforeSeq <= 1) return { loaded: 0, hasMore: false };
      const frame = { type: 'history' as const, reqId: uuidv7(), conversationId, limit, ...(beforeSeq === undefined ? {} : { beforeSeq }) };
      const reply = (await request(frame, 'history.result')) as HistoryResultFrame;
      const held = getState().conversations.get(conversationId)?.events.length ?? 0;
      commit(applyHistoryResult(getState(), reply, beforeSeq));
      const loaded = (getState().conversations.get(conversationId)?.events.length ?? 0) - held;
      deps.checkSync();
      return { loaded, hasMore: reply.hasMore };
    },
    async loadThread(conversationId, rootId, limit = Limits.defaultPageSize) {
      // The oldest reply held: the replies above it are all held (pages and the log), so the next page is the one before it.
      const replies = () => threadReplies(getState().conversations.get(conversationId)?.events ?? [], rootId);
      const beforeSeq = replies()[0]?.seq;
      if (beforeSeq !== undefined && beforeSeq <= 1) return { loaded: 0, hasMore: false };
      const frame = { type: 'history' as const, reqId: uuidv7(), conversationId, threadId: rootId, limit, ...(beforeSeq === undefined ? {} : { beforeSeq }) };
      const reply = (await request(frame, 'history.result')) as HistoryResultFrame;
      const held = replies().length;
      commit(applyHistoryResult(getState(), reply, beforeSeq));
      const loaded = replies().length - held;
      deps.checkSync();
      return { loaded, hasMore: reply.hasMore };
    },
    getSettings: () => settings({}),
    updateSettings: (patch) => settings(patch),
  };
  return { request, methods };
}
