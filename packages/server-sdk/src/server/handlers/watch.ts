import type { WatchFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';
import { isWatchRoom, joinRoom, leaveRoom, watchRoom } from '../fanout.js';

/**
 * WATCH: this connection now shows exactly these conversations. Only conversations the user is a
 * member of are joined; others are left out without a word (a missing conversation looks the
 * same), so a non-member learns nothing. With `reqId`, the answer comes once the rooms are
 * joined, so the client knows from when on live pushes reach it.
 */
export async function handleWatch(ctx: ServerContext, conn: Connection, frame: WatchFrame): Promise<void> {
  const wanted = [...new Set(frame.conversationIds)];
  const memberships = await Promise.all(wanted.map((id) => ctx.store.getMember(id, conn.userId)));
  const watched = wanted.filter((_, i) => memberships[i] !== null);
  const rooms = new Set(watched.map(watchRoom));
  const moves: unknown[] = [];
  for (const room of conn.socket.rooms) {
    if (isWatchRoom(room) && !rooms.has(room)) moves.push(leaveRoom(conn, room));
  }
  for (const room of rooms) moves.push(joinRoom(conn, room));
  // socket.io adapters may join asynchronously: answer only once every move is done.
  await Promise.all(moves);
  if (frame.reqId !== undefined) conn.send({ type: 'watch.result', reqId: frame.reqId, conversationIds: watched });
}
