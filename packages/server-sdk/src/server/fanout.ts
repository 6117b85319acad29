import type { ServerFrame } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import { emitToRooms, userRoom, type ServerContext } from './context.js';
import { watchRoom } from './handlers/watch.js';

export interface ConversationPushOptions {
  /** The sending connection (it got its answer already). */
  exceptSocketId?: string;
  /** A user none of whose connections gets it (a typist does not see their own typing). */
  exceptUserId?: string;
  /** Users who get it even above the threshold: the sender's other devices, users a membership change is about. */
  alsoNotify?: readonly string[];
  volatile?: boolean;
}

/**
 * Pushes a frame about a conversation (a log event, typing) live. Conversations up to
 * `fanoutThreshold` members push to every member's connections; larger ones only to the
 * connections watching the conversation, plus `alsoNotify`. Everyone else catches up by seq when
 * they open the conversation: fan-out on read.
 */
export async function pushToConversation(
  ctx: ServerContext,
  conversation: Pick<StoredConversation, 'id' | 'memberCount'>,
  frame: ServerFrame,
  options: ConversationPushOptions = {},
): Promise<void> {
  const except = [
    ...(options.exceptSocketId ? [options.exceptSocketId] : []),
    ...(options.exceptUserId ? [userRoom(options.exceptUserId)] : []),
  ];
  const also = options.alsoNotify ?? [];
  let rooms: string[];
  if (conversation.memberCount <= ctx.fanoutThreshold) {
    const members = await ctx.store.listMembers(conversation.id);
    rooms = [...new Set([...members.map((m) => m.userId), ...also])].map(userRoom);
  } else {
    rooms = [watchRoom(conversation.id), ...also.map(userRoom)];
  }
  emitToRooms(ctx, rooms, frame, { except, ...(options.volatile ? { volatile: true } : {}) });
}
