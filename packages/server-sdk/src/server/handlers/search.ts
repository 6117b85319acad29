import { ErrorCode, ParleyError, type SearchFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';

/** SEARCH: one page of the user's message search (search.ts). FORBIDDEN when the deployment turned search off. */
export async function handleSearch(ctx: ServerContext, conn: Connection, frame: SearchFrame): Promise<void> {
  if (!ctx.search) throw new ParleyError(ErrorCode.FORBIDDEN, 'this server does not search messages');
  const { type: _type, reqId, ...request } = frame;
  const answer = await ctx.search.search(conn.userId, request);
  conn.send({ type: 'search.result', reqId, ...answer });
}
