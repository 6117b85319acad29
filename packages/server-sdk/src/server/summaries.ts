import { Limits, type ConversationSummary, type MemberReceipt } from '@parley/protocol';
import type { ChatStore, StoredConversation, StoredMember } from '../store/types.js';

/** What summaries need of the server: its store and the receipt fan-out size. */
export interface SummaryContext {
  store: ChatStore;
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

/** What a member sees of a conversation: the store's record, their watermarks, their unread count. */
export async function summarize(
  ctx: SummaryContext,
  conversation: StoredConversation,
  member: StoredMember,
): Promise<ConversationSummary> {
  const { store } = ctx;
  const needMembers = conversation.memberCount <= Math.max(Limits.maxSummaryMembers, ctx.receiptFanoutMax);
  const [members, unread] = await Promise.all([
    needMembers ? store.listMembers(conversation.id) : Promise.resolve([]),
    conversation.lastSeq > member.readSeq
      ? store.countUnread(conversation.id, member.userId, member.readSeq)
      : Promise.resolve(0),
  ]);
  const receipts = conversation.memberCount <= ctx.receiptFanoutMax ? await visibleReceipts(store, members, member.userId) : [];
  return {
    id: conversation.id,
    kind: conversation.kind,
    title: conversation.title,
    members: conversation.memberCount <= Limits.maxSummaryMembers ? members.map((m) => m.userId).sort() : [],
    memberCount: conversation.memberCount,
    lastSeq: conversation.lastSeq,
    lastActivityAt: conversation.lastActivityAt,
    createdAt: conversation.createdAt,
    readSeq: member.readSeq,
    deliveredSeq: member.deliveredSeq,
    unread,
    receipts,
  };
}
