import { type ChangeKind, type LogEvent, type ReactionGroup } from '@parley/protocol';
import { pageOf } from './membership-page.js';
import type {
  AppendInput,
  AppendResult,
  ChangeInput,
  ChatStore,
  CreateConversationInput,
  MemberRole,
  StoredConversation,
  StoredDeviceWatermarks,
  StoredMember,
  StoredUserSettings,
  RoleChange,
} from './types.js';
import { DEFAULT_USER_SETTINGS } from './types.js';
import {
  advanceWatermarks,
  appendedEvent,
  changeErasure,
  changeEvent,
  createdEventInput,
  erasedEvent,
  laneOf,
  mentionedReaders,
  nextEventId,
  patchSettings,
  quoteSeqOf,
  reactionGroups,
  reactionRegister,
} from './store-helpers.js';
import { createMemoryWebhookQueue } from './memory-webhooks.js';
import { createMemoryModeration } from './memory-moderation.js';
import { createMemoryAttachments } from './memory-attachments.js';
import { createMemoryNotifications } from './memory-notifications.js';
import { heirOf, patchedDetails } from './moderation-helpers.js';

interface ConversationState {
  conversation: StoredConversation;
  members: Map<string, StoredMember>;
  events: LogEvent[];
  dedup: Map<string, LogEvent>;
  byId: Map<string, LogEvent>;
  /** Per user: the seqs (ascending) of messages that mention them (`mentionedReaders`). */
  mentions: Map<string, number[]>;
  /** Per lane (`laneOf`): the seqs (ascending) of its events. */
  lanes: Map<number, number[]>;
  /** Per quoted seq: the seqs of the replies quoting it. */
  quotes: Map<number, number[]>;
  /** Per message seq: the seqs of its edits and deletes (history folds these; reactions come from `reactions`). */
  edits: Map<number, number[]>;
  /** The seqs of `message` events, and per sender the seqs of theirs: unread is a count, not a scan. */
  messages: number[];
  messagesBy: Map<string, number[]>;
  /** Per message seq, per `key\nuserId`: the latest reaction event of that user and key (the index `readReactions` serves). */
  reactions: Map<number, Map<string, { key: string; userId: string; seq: number; held: boolean }>>;
}

/** How many of the ascending `seqs` are below `beforeSeq` (binary search). */
function countBelow(seqs: readonly number[], beforeSeq: number): number {
  let low = 0;
  let high = seqs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (seqs[mid]! < beforeSeq) low = mid + 1;
    else high = mid;
  }
  return low;
}

function pushTo(index: Map<number, number[]>, key: number, seq: number): void {
  const seqs = index.get(key);
  if (seqs) seqs.push(seq);
  else index.set(key, [seq]);
}

/** How many of the ascending `seqs` are above `afterSeq`: a binary search, not a scan. */
function countAbove(seqs: readonly number[], afterSeq: number): number {
  let low = 0;
  let high = seqs.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (seqs[mid]! > afterSeq) high = mid;
    else low = mid + 1;
  }
  return seqs.length - low;
}

/**
 * A store that keeps everything in this process's memory: for tests, demos and a single node
 * whose data may be lost on restart. Zero dependencies.
 *
 * @example
 * const chat = createChatServer({ server, store: createMemoryStore(), authenticate });
 */
export function createMemoryStore(): ChatStore {
  const conversations = new Map<string, ConversationState>();
  const directs = new Map<string, string>();
  const memberships = new Map<string, Set<string>>();
  /** Per `${conversationId}\n${userId}`: the member's devices' watermarks. */
  const devices = new Map<string, Map<string, StoredDeviceWatermarks>>();
  const settings = new Map<string, StoredUserSettings>();
  const webhooks = createMemoryWebhookQueue();
  const { clear: clearModeration, ...moderation } = createMemoryModeration();
  const attachments = createMemoryAttachments();
  const { clear: clearNotifications, ...notifications } = createMemoryNotifications();

  const state = (id: string) => conversations.get(id);
  // Records here are plain JSON (a message's `custom` nests arrays and objects at any depth), so
  // a recursive copy of objects and arrays is a full copy, and ~100× cheaper than
  // structuredClone on the send path.
  const copyValue = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(copyValue) : value !== null && typeof value === 'object' ? copy(value) : value;
  const copy = <T extends object>(value: T): T => {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = copyValue(field);
    return out as T;
  };

  function join(conversationId: string, userId: string, role: MemberRole, ts: number): boolean {
    const conv = conversations.get(conversationId);
    if (!conv || conv.members.has(userId)) return false;
    conv.members.set(userId, { conversationId, userId, role, joinedAt: ts, deliveredSeq: 0, readSeq: 0, mutedUntil: null, notify: null });
    conv.conversation.memberCount = conv.members.size;
    let set = memberships.get(userId);
    if (!set) memberships.set(userId, (set = new Set()));
    set.add(conversationId);
    return true;
  }

  function appendNow(input: AppendInput): AppendResult {
    const conv = state(input.conversationId);
    if (!conv) throw new Error(`conversation ${input.conversationId} does not exist`);
    const key = `${input.senderId}\n${input.clientMsgId}`;
    const existing = conv.dedup.get(key);
    if (existing) return { event: copy(existing), duplicate: true };
    const seq = conv.conversation.lastSeq + 1;
    const event = appendedEvent(input, nextEventId(), seq);
    conv.events.push(event);
    conv.dedup.set(key, event);
    conv.byId.set(event.id, event);
    pushTo(conv.lanes, laneOf(event), seq);
    if (event.kind === 'message.edited' || event.kind === 'message.deleted') pushTo(conv.edits, event.data.messageSeq, seq);
    if (event.kind === 'message') {
      conv.messages.push(seq);
      const own = conv.messagesBy.get(event.senderId);
      if (own) own.push(seq);
      else conv.messagesBy.set(event.senderId, [seq]);
    }
    const register = reactionRegister(event);
    if (register) {
      let held = conv.reactions.get(register.messageSeq);
      if (!held) conv.reactions.set(register.messageSeq, (held = new Map()));
      held.set(`${register.key}\n${register.userId}`, register);
    }
    const quoted = quoteSeqOf(event);
    if (quoted !== null) pushTo(conv.quotes, quoted, seq);
    for (const userId of mentionedReaders(event)) {
      const seqs = conv.mentions.get(userId);
      if (seqs) seqs.push(seq);
      else conv.mentions.set(userId, [seq]);
    }
    conv.conversation.lastSeq = seq;
    conv.conversation.lastActivityAt = Math.max(conv.conversation.lastActivityAt, input.ts);
    return { event: copy(event), duplicate: false };
  }

  function setRolesNow(conv: ConversationState | undefined, changes: readonly RoleChange[]): StoredMember[] {
    const changed = changes.flatMap((change) => {
      const member = conv?.members.get(change.userId);
      if (!member) return [];
      member.role = change.role;
      return [member];
    });
    return [...new Set(changed)];
  }

  /** A change and its event (and a message change's erasure), with no await in between: atomic, and a repeat applies nothing. */
  function appendChangeNow(input: ChangeInput) {
    const conv = state(input.conversationId);
    if (!conv) throw new Error(`conversation ${input.conversationId} does not exist`);
    if (!conv.dedup.has(`${input.senderId}\n${input.clientMsgId}`)) {
      if (input.kind === 'conversation.updated') Object.assign(conv.conversation, patchedDetails(input.data));
      if (input.kind === 'members.role') setRolesNow(conv, input.data.changes);
    }
    const appended = appendNow(changeEvent(input));
    const erasure = appended.duplicate ? null : changeErasure(input, appended.event);
    if (erasure) eraseNow(conv, erasure.messageSeq, erasure.keepEditSeq);
    return { ...appended, conversation: copy(conv.conversation) };
  }

  /** `eraseMessage`, with no await: `appendChangeNow` runs it with its append. */
  function eraseNow(conv: ConversationState, messageSeq: number, keepEditSeq: number | undefined): void {
    const seqs = [messageSeq, ...(conv.lanes.get(messageSeq) ?? []), ...(conv.quotes.get(messageSeq) ?? [])];
    for (const seq of seqs) {
      const event = conv.events[seq - 1];
      const erased = event && erasedEvent(event, messageSeq, keepEditSeq);
      if (!erased) continue;
      conv.events[seq - 1] = erased;
      conv.byId.set(erased.id, erased);
      // Only messages and edits are erased, and both carry their dedup key.
      if ('clientMsgId' in erased) conv.dedup.set(`${erased.senderId}\n${erased.clientMsgId}`, erased);
    }
    if (keepEditSeq !== undefined) return;
    // A deleted message's reactions and mentions go with it (also when an edit's erasure had
    // already emptied the message itself): it no longer counts as an unread mention.
    conv.reactions.delete(messageSeq);
    for (const held of conv.mentions.values()) {
      const at = held.indexOf(messageSeq);
      if (at >= 0) held.splice(at, 1);
    }
  }

  return {
    ...webhooks,
    ...moderation,
    ...attachments,
    ...notifications,
    async createConversation(input: CreateConversationInput) {
      if (input.directKey) {
        const existingId = directs.get(input.directKey);
        const existing = existingId ? state(existingId) : undefined;
        if (existing) return { conversation: copy(existing.conversation), created: false };
      }
      if (conversations.has(input.id)) throw new Error(`conversation ${input.id} already exists`);
      conversations.set(input.id, {
        conversation: {
          id: input.id,
          kind: input.kind,
          title: input.title,
          directKey: input.directKey,
          createdBy: input.createdBy,
          createdAt: input.ts,
          lastSeq: 0,
          lastActivityAt: input.ts,
          memberCount: 0,
          image: null,
          description: null,
          custom: null,
          slowModeMs: null,
        },
        members: new Map(),
        events: [],
        dedup: new Map(),
        byId: new Map(),
        mentions: new Map(),
        lanes: new Map(),
        quotes: new Map(),
        reactions: new Map(),
        edits: new Map(),
        messages: [],
        messagesBy: new Map(),
      });
      if (input.directKey) directs.set(input.directKey, input.id);
      for (const userId of input.members) {
        join(input.id, userId, userId === input.createdBy ? 'owner' : 'member', input.ts);
      }
      appendNow(createdEventInput(input));
      return { conversation: copy(state(input.id)!.conversation), created: true };
    },

    async getConversation(id) {
      const conv = state(id);
      return conv ? copy(conv.conversation) : null;
    },

    async getMember(conversationId, userId) {
      const member = state(conversationId)?.members.get(userId);
      return member ? copy(member) : null;
    },

    async listMembers(conversationId, filter) {
      const all = [...(state(conversationId)?.members.values() ?? [])];
      return (filter?.role ? all.filter((m) => m.role === filter.role) : all).map(copy);
    },

    async listMemberships(userId, page) {
      const rows = [...(memberships.get(userId) ?? [])].flatMap((id) => {
        const conv = state(id);
        const member = conv?.members.get(userId);
        // Only the page's rows are copied: sorting reads the live records.
        return conv && member ? [{ conversation: conv.conversation, member }] : [];
      });
      return pageOf(rows, page).map((row) => ({ conversation: copy(row.conversation), member: copy(row.member) }));
    },

    async addMembers(conversationId, userIds, role, ts) {
      return [...new Set(userIds)].filter((userId) => join(conversationId, userId, role, ts));
    },

    async removeMembers(conversationId, userIds) {
      const conv = state(conversationId);
      if (!conv) return [];
      const removed = [...new Set(userIds)].filter((userId) => conv.members.delete(userId));
      for (const userId of removed) {
        memberships.get(userId)?.delete(conversationId);
        devices.delete(`${conversationId}\n${userId}`);
      }
      conv.conversation.memberCount = conv.members.size;
      const heir = heirOf([...conv.members.values()]);
      if (heir) heir.role = 'owner';
      return removed;
    },

    async updateConversation(conversationId, patch) {
      const conv = state(conversationId);
      if (!conv) return null;
      Object.assign(conv.conversation, patchedDetails(patch));
      return copy(conv.conversation);
    },

    async setRoles(conversationId, changes) {
      // No await until the end: every change lands together (all or none).
      return setRolesNow(state(conversationId), changes).map(copy);
    },

    async setMutedUntil(conversationId, userId, until) {
      const member = state(conversationId)?.members.get(userId);
      if (!member) return null;
      member.mutedUntil = until;
      return copy(member);
    },

    async setMemberNotify(conversationId, userId, notify) {
      const member = state(conversationId)?.members.get(userId);
      if (!member) return null;
      member.notify = notify;
      return copy(member);
    },

    async append(input) {
      return appendNow(input);
    },

    async appendChange(input) {
      return appendChangeNow(input);
    },

    async finishPendingChanges() {
      return [];
    },

    async findEvent(conversationId, senderId, clientMsgId) {
      const event = state(conversationId)?.dedup.get(`${senderId}\n${clientMsgId}`);
      return event ? copy(event) : null;
    },

    async getEvent(conversationId, eventId) {
      const event = state(conversationId)?.byId.get(eventId);
      return event ? copy(event) : null;
    },

    async readAfter(conversationId, afterSeq, limit) {
      const events = state(conversationId)?.events ?? [];
      // events[i].seq === i + 1: the log is contiguous from 1.
      return events.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + Math.max(0, limit)).map(copy);
    },

    async readBefore(conversationId, beforeSeq, limit) {
      const events = state(conversationId)?.events ?? [];
      const end = Math.min(events.length, Math.max(0, beforeSeq - 1));
      return events.slice(Math.max(0, end - Math.max(0, limit)), end).map(copy);
    },

    async readLane(conversationId, lane, beforeSeq, limit) {
      const conv = state(conversationId);
      const seqs = conv?.lanes.get(lane) ?? [];
      const end = countBelow(seqs, beforeSeq);
      return seqs.slice(Math.max(0, end - Math.max(0, limit)), end).map((seq) => copy(conv!.events[seq - 1]!));
    },

    async readChanges(conversationId, messageSeqs, throughSeq, options) {
      const conv = state(conversationId);
      if (!conv) return [];
      const kinds = options?.kinds;
      // Edits and deletes alone (what history folds) come from their own index, not the whole lane.
      const editsOnly = kinds !== undefined && kinds.every((k) => k === 'message.edited' || k === 'message.deleted');
      const seqs = [...new Set(messageSeqs)].filter((seq) => seq > 0).flatMap((seq) => (editsOnly ? conv.edits : conv.lanes).get(seq) ?? []);
      return seqs
        .filter((seq) => seq <= throughSeq && (!kinds || kinds.includes(conv.events[seq - 1]!.kind as ChangeKind)))
        .sort((a, b) => a - b)
        .map((seq) => copy(conv.events[seq - 1]!));
    },

    async readReactions(conversationId, messageSeqs) {
      const conv = state(conversationId);
      const out = new Map<number, ReactionGroup[]>();
      for (const seq of new Set(messageSeqs)) {
        const held = [...(conv?.reactions.get(seq)?.values() ?? [])].filter((r) => r.held);
        if (held.length > 0) out.set(seq, reactionGroups(held));
      }
      return out;
    },

    async countReplies(conversationId, rootSeqs, throughSeq) {
      const conv = state(conversationId);
      const out = new Map<number, { count: number; lastReplyAt: number }>();
      for (const root of new Set(rootSeqs)) {
        const seqs = conv?.lanes.get(-root) ?? [];
        const count = countBelow(seqs, throughSeq + 1);
        if (count > 0) out.set(root, { count, lastReplyAt: conv!.events[seqs[count - 1]! - 1]!.ts });
      }
      return out;
    },

    async eraseMessage(conversationId, messageSeq, options) {
      const conv = state(conversationId);
      if (conv) eraseNow(conv, messageSeq, options?.keepEditSeq);
    },

    async updateDeviceWatermarks(conversationId, userId, deviceId, update, ts) {
      const conv = state(conversationId);
      const member = conv?.members.get(userId);
      if (!conv || !member) return null;
      const key = `${conversationId}\n${userId}`;
      let byDevice = devices.get(key);
      if (!byDevice) devices.set(key, (byDevice = new Map()));
      const before = byDevice.get(deviceId) ?? { conversationId, userId, deviceId, deliveredSeq: 0, readSeq: 0, updatedAt: ts };
      const marks = advanceWatermarks(before, update, conv.conversation.lastSeq);
      const moved = marks.deliveredSeq !== before.deliveredSeq || marks.readSeq !== before.readSeq;
      const device = { ...before, ...marks, updatedAt: moved ? ts : before.updatedAt };
      byDevice.set(deviceId, device);
      Object.assign(member, advanceWatermarks(member, marks, conv.conversation.lastSeq));
      return { member: copy(member), device: copy(device) };
    },

    async filterCoMembers(userId, candidates) {
      const mine = [...(memberships.get(userId) ?? [])];
      return [...new Set(candidates)].filter((other) => mine.some((id) => state(id)?.members.has(other)));
    },

    async getUserSettings(userIds) {
      return new Map(userIds.map((id) => [id, { ...(settings.get(id) ?? DEFAULT_USER_SETTINGS) }]));
    },

    async updateUserSettings(userId, patch) {
      const next = patchSettings(settings.get(userId) ?? { ...DEFAULT_USER_SETTINGS }, patch);
      settings.set(userId, next);
      return { ...next };
    },

    async countUnread(conversationId, userId, afterSeq) {
      // The protocol's formula (`isUnread`: others' messages after the watermark) as two counts.
      const conv = state(conversationId);
      if (!conv) return 0;
      return countAbove(conv.messages, afterSeq) - countAbove(conv.messagesBy.get(userId) ?? [], afterSeq);
    },

    async countUnreadMentions(conversationId, userId, afterSeq) {
      return countAbove(state(conversationId)?.mentions.get(userId) ?? [], afterSeq);
    },

    async close() {
      conversations.clear();
      directs.clear();
      memberships.clear();
      devices.clear();
      settings.clear();
      clearModeration();
      clearNotifications();
    },
  };
}
