import { ErrorCode, ParleyError, type BlocksFrame, type ReportFrame, type UsersFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';
import { pushToUsers } from '../fanout.js';
import { cutPresence } from '../blocks.js';
import { reportMessage } from '../reports.js';

/**
 * USERS: profiles by id (the app's `users.resolve`, batched and cached per node: profiles.ts) or
 * a people search (`users.search`). A read: the frame budget is its only rate limit.
 */
export async function handleUsers(ctx: ServerContext, conn: Connection, frame: UsersFrame): Promise<void> {
  if ((frame.userIds === undefined) === (frame.query === undefined)) {
    throw new ParleyError(ErrorCode.BAD_FRAME, 'users: give either userIds or query');
  }
  const users = frame.userIds
    ? await ctx.people.profiles.resolve(frame.userIds, conn.userId)
    : await ctx.people.profiles.search(frame.query ?? '', conn.userId);
  conn.send({ type: 'users.result', reqId: frame.reqId, users });
}

/**
 * BLOCKS: block and unblock (or, with neither, read the list). The answer carries the list after
 * the change; the user's other connections get it pushed, so every device hides the same people.
 */
export async function handleBlocks(ctx: ServerContext, conn: Connection, frame: BlocksFrame): Promise<void> {
  if (frame.block?.includes(conn.userId)) throw new ParleyError(ErrorCode.BAD_FRAME, 'blocks: you cannot block yourself');
  if (frame.block === undefined && frame.unblock === undefined) {
    conn.send({ type: 'blocks.result', reqId: frame.reqId, userIds: await ctx.store.listBlocks(conn.userId) });
    return;
  }
  const change = { ...(frame.block ? { block: frame.block } : {}), ...(frame.unblock ? { unblock: frame.unblock } : {}) };
  // The store refuses a list past the deployment's maxBlocks (LIMIT_EXCEEDED), changing nothing.
  const userIds = await ctx.store.updateBlocks(conn.userId, change, ctx.limits.maxBlocks, ctx.now());
  conn.send({ type: 'blocks.result', reqId: frame.reqId, userIds });
  pushToUsers(ctx, [conn.userId], { type: 'blocks.result', userIds }, conn.socket.id);
  // Unblock wins over block in one frame (the store's order): cut only who stays blocked.
  cutPresence(ctx, conn.userId, (frame.block ?? []).filter((id) => userIds.includes(id)));
}

/** REPORT: a member flags a message of the conversation for the app's moderators (reports.ts). */
export async function handleReport(ctx: ServerContext, conn: Connection, frame: ReportFrame): Promise<void> {
  const report = await reportMessage(ctx, {
    conversationId: frame.conversationId,
    messageId: frame.messageId,
    reporterId: conn.userId,
    reason: frame.reason,
  });
  conn.send({ type: 'report.result', reqId: frame.reqId, reportId: report.id });
}
