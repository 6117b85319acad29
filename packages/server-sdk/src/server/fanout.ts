import type { LogEvent } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import { pushToUsers, userRoom, type ServerContext } from './context.js';
import { watchRoom } from './handlers/watch.js';
import { FRAME_EVENT } from '@parley/protocol';

/**
 * Pushes a log event live. Conversations up to `fanoutThreshold` members push to every member's
 * connections; larger ones only to the connections watching the conversation (plus `alsoNotify`,
 * e.g. the sender's own devices or the users a membership change is about). Everyone else
 * catches up by seq when they open the conversation: fan-out on read.
 */
export async function pushEvent(
  ctx: ServerContext,
  conversation: Pick<StoredConversation, 'id' | 'memberCount'>,
  event: LogEvent,
  options: { exceptSocketId?: string; alsoNotify?: readonly string[] } = {},
): Promise<void> {
  const frame = { type: 'event', event } as const;
  if (conversation.memberCount <= ctx.fanoutThreshold) {
    const members = await ctx.store.listMembers(conversation.id);
    const users = new Set([...members.map((m) => m.userId), ...(options.alsoNotify ?? [])]);
    pushToUsers(ctx, users, frame, options.exceptSocketId);
    return;
  }
  const rooms = [watchRoom(conversation.id), ...(options.alsoNotify ?? []).map(userRoom)];
  ctx.metrics.fanout.observe(rooms.length);
  const target = options.exceptSocketId ? ctx.nsp.to(rooms).except(options.exceptSocketId) : ctx.nsp.to(rooms);
  target.emit(FRAME_EVENT, frame);
}
