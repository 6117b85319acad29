import { Limits, type ConversationSummary, type MemberReceipt } from '@parley/protocol';
import type { ChatStore, StoredConversation, StoredMember } from '../store/types.js';
import { bySeniority } from '../store/store-helpers.js';

/** What summaries need of the server: its store and the receipt fan-out size. */
export interface SummaryContext {
  store: ChatStore;
  /** The clock mutes are read against (default `Date.now`). */
  now?(): number;
  /** Conversations up to this many members carry every member's receipts. */
  receiptFanoutMax: number;
}

/**
 * Members' watermarks as `viewerId` may see them: a member who turned read receipts off shows
 * only `deliveredSeq` to others (their own devices always see their `readSeq`).
 */
export async function visibleReceipts(
  store: ChatStore,
  members: readonly StoredMember[],
  viewerId: string,
): Promise<MemberReceipt[]> {
  const settings = await store.getUserSettings(members.map((m) => m.userId).filter((id) => id !== viewerId));
  return members
    .map((m) =>
      m.userId === viewerId || settings.get(m.userId)?.readReceipts !== false
        ? { userId: m.userId, deliveredSeq: m.deliveredSeq, readSeq: m.readSeq }
        : { userId: m.userId, deliveredSeq: m.deliveredSeq },
    )
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/**
 * A member's unread count and, of those, the messages that mention them. Most summaries of a
 * list are read up: then neither count costs a store read, and mentions are only counted when
 * something is unread at all.
 */
async function unreadCounts(store: ChatStore, conversation: StoredConversation, member: StoredMember): Promise<[number, number]> {
  if (conversation.lastSeq <= member.readSeq) return [0, 0];
  const unread = await store.countUnread(conversation.id, member.userId, member.readSeq);
  if (unread === 0) return [0, 0];
  return [unread, await store.countUnreadMentions(conversation.id, member.userId, member.readSeq)];
}

/** What a member sees of a conversation: the store's record, their watermarks, their unread counts. */
export async function summarize(
  ctx: SummaryContext,
  conversation: StoredConversation,
  member: StoredMember,
): Promise<ConversationSummary> {
  const { store } = ctx;
  const needMembers = conversation.memberCount <= Math.max(Limits.maxSummaryMembers, ctx.receiptFanoutMax);
  const [members, [unread, unreadMentions]] = await Promise.all([
    needMembers ? store.listMembers(conversation.id) : Promise.resolve([]),
    unreadCounts(store, conversation, member),
  ]);
  const [receipts, owners] = await Promise.all([
    conversation.memberCount <= ctx.receiptFanoutMax ? visibleReceipts(store, members, member.userId) : Promise.resolve([]),
    // Large conversations list no members here: only their owners are read.
    needMembers ? Promise.resolve(members) : store.listMembers(conversation.id, { role: 'owner' }),
  ]);
  // Should a store hold several owners, the longest-standing one is the one shown.
  const owner = owners.filter((m) => m.role === 'owner').sort(bySeniority)[0];
  const listed = conversation.memberCount <= Limits.maxSummaryMembers;
  const admins = listed ? members.filter((m) => m.role === 'admin').map((m) => m.userId).sort() : [];
  // Groups only: a direct conversation has no roles, and its creator owns nothing.
  const role = conversation.kind === 'group' ? member.role : undefined;
  const mutedUntil = member.mutedUntil !== null && member.mutedUntil > (ctx.now?.() ?? Date.now()) ? member.mutedUntil : undefined;
  return {
    id: conversation.id,
    kind: conversation.kind,
    title: conversation.title,
    members: listed ? members.map((m) => m.userId).sort() : [],
    memberCount: conversation.memberCount,
    ...(owner ? { ownerId: owner.userId } : {}),
    ...(admins.length > 0 ? { admins } : {}),
    ...(role ? { role } : {}),
    ...(conversation.image !== null && conversation.image !== undefined ? { image: conversation.image } : {}),
    ...(conversation.description !== null && conversation.description !== undefined ? { description: conversation.description } : {}),
    ...(conversation.custom !== null && conversation.custom !== undefined ? { custom: conversation.custom } : {}),
    ...(conversation.slowModeMs ? { slowModeMs: conversation.slowModeMs } : {}),
    ...(mutedUntil !== undefined ? { mutedUntil } : {}),
    ...(member.notify ? { notify: member.notify } : {}),
    lastSeq: conversation.lastSeq,
    lastActivityAt: conversation.lastActivityAt,
    createdAt: conversation.createdAt,
    readSeq: member.readSeq,
    deliveredSeq: member.deliveredSeq,
    unread,
    unreadMentions,
    receipts,
  };
}
