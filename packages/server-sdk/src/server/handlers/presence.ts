import type { PresenceSetFrame, PresenceSubscribeFrame, PresenceUnsubscribeFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';

/**
 * PRESENCE.SUBSCRIBE: follow users on this connection. Only users who share a conversation with
 * the caller may be followed (checked now, on every subscribe); the others come back `denied`
 * and their presence never reaches this connection.
 */
export async function handlePresenceSubscribe(ctx: ServerContext, conn: Connection, frame: PresenceSubscribeFrame): Promise<void> {
  const { users, denied } = await ctx.presence.subscribe(conn, frame.userIds);
  conn.send({ type: 'presence.result', reqId: frame.reqId, users, denied });
}

/** PRESENCE.UNSUBSCRIBE: stop following users on this connection. */
export async function handlePresenceUnsubscribe(ctx: ServerContext, conn: Connection, frame: PresenceUnsubscribeFrame): Promise<void> {
  ctx.presence.unsubscribe(conn, frame.userIds);
}

/** PRESENCE.SET: this device is active or idle; the user's aggregate follows. */
export async function handlePresenceSet(ctx: ServerContext, conn: Connection, frame: PresenceSetFrame): Promise<void> {
  await ctx.presence.setStatus(conn, frame.status);
}
