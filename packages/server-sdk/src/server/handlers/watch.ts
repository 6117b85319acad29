import type { WatchFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';

/** The socket.io room of a conversation's watchers (connections that show it right now). */
export function watchRoom(conversationId: string): string {
  return `watch:${conversationId}`;
}

/**
 * WATCH: this connection now shows exactly these conversations. Only conversations the user is a
 * member of are joined; others are ignored without a word, so a non-member learns nothing.
 */
export async function handleWatch(ctx: ServerContext, conn: Connection, frame: WatchFrame): Promise<void> {
  const wanted = new Set(frame.conversationIds);
  const memberships = await Promise.all([...wanted].map((id) => ctx.store.getMember(id, conn.userId)));
  const allowed = new Set([...wanted].filter((_, i) => memberships[i] !== null).map(watchRoom));
  for (const room of conn.socket.rooms) {
    if (room.startsWith('watch:') && !allowed.has(room)) void conn.socket.leave(room);
  }
  for (const room of allowed) void conn.socket.join(room);
}
