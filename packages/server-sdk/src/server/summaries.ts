import { Limits, type ConversationSummary } from '@parley/protocol';
import type { ChatStore, StoredConversation, StoredMember } from '../store/types.js';

/** What a member sees of a conversation: the store's record, their watermarks, their unread count. */
export async function summarize(
  store: ChatStore,
  conversation: StoredConversation,
  member: StoredMember,
): Promise<ConversationSummary> {
  const [members, unread] = await Promise.all([
    conversation.memberCount <= Limits.maxSummaryMembers ? store.listMembers(conversation.id) : Promise.resolve([]),
    conversation.lastSeq > member.readSeq
      ? store.countUnread(conversation.id, member.userId, member.readSeq)
      : Promise.resolve(0),
  ]);
  return {
    id: conversation.id,
    kind: conversation.kind,
    title: conversation.title,
    members: members.map((m) => m.userId).sort(),
    memberCount: conversation.memberCount,
    lastSeq: conversation.lastSeq,
    lastActivityAt: conversation.lastActivityAt,
    createdAt: conversation.createdAt,
    readSeq: member.readSeq,
    deliveredSeq: member.deliveredSeq,
    unread,
  };
}
