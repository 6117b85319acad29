import type { LogEvent } from '@parley/protocol';
import type { ChatStore } from '@parley/server-sdk';

/** A group's details and roles, as the store holds them or as a device folding its log holds them. */
export interface GroupState {
  details: { title: string | null; image: string | null; description: string | null; custom: Record<string, unknown> | null; slowModeMs: number | null };
  roles: Record<string, string>;
}

/** What a device that folds the whole log holds: created, details changes, roles, members in and out (heirs included). */
export function foldGroup(events: readonly LogEvent[]): GroupState {
  const details: GroupState['details'] = { title: null, image: null, description: null, custom: null, slowModeMs: null };
  const roles: Record<string, string> = {};
  for (const event of events) {
    if (event.kind === 'conversation.created') {
      details.title = event.data.title;
      for (const userId of event.data.members) roles[userId] = userId === event.senderId ? 'owner' : 'member';
    } else if (event.kind === 'conversation.updated') {
      for (const [field, value] of Object.entries(event.data)) if (value !== undefined) Object.assign(details, { [field]: value });
    } else if (event.kind === 'members.role') {
      for (const { userId, role } of event.data.changes) roles[userId] = role;
    } else if (event.kind === 'members.added') {
      for (const userId of event.data.userIds) roles[userId] = 'member';
    } else if (event.kind === 'members.removed') {
      for (const userId of event.data.userIds) delete roles[userId];
      if (event.data.ownerId) roles[event.data.ownerId] = 'owner';
    }
  }
  return { details, roles };
}

/** The group as the store holds it (its row and its members' roles). */
export async function storedGroup(store: ChatStore, conversationId: string): Promise<GroupState> {
  const conversation = await store.getConversation(conversationId);
  if (!conversation) throw new Error(`no conversation ${conversationId}`);
  const { title, image, description, custom, slowModeMs } = conversation;
  const roles = Object.fromEntries((await store.listMembers(conversationId)).map((m) => [m.userId, m.role]));
  return { details: { title, image, description, custom, slowModeMs }, roles };
}
