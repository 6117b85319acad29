import { messageAsOf, type AckFrame, type ChangeFrame, type LogEvent } from '@parley/protocol';
import { requireMembership, type Connection, type ServerContext } from '../context.js';
import { sendOrder } from '../send-order.js';
import { admitWrite, appendInOrder, replacedContent, withContent } from '../ordered-append.js';
import { changeOutcome, resolveTarget } from '../message-changes.js';
import { refuseBlockedDirect } from '../blocks.js';

/**
 * CHANGE: edit, delete, react to or unreact from a message. It travels the SEND path: the
 * device's order (`after`), the rate limit, membership, then the rules (message-changes.ts) and the
 * app's `beforeChange` hook (hooks.ts), the
 * append (seq, dedup by clientMsgId), the ACK and the push to every member connection. A delete
 * erases the content from the store before its ACK; an edit erases the versions it replaced
 * unless the deployment keeps them. A change that is already in effect (a reaction the user
 * holds, a message already deleted) is answered with the event that put it in effect, as a
 * duplicate, and appends nothing.
 */
export function handleChange(ctx: ServerContext, conn: Connection, frame: ChangeFrame, receivedAt = performance.now()): Promise<AckFrame> {
  return appendInOrder(ctx, conn, frame, receivedAt, () => store(ctx, conn, frame), ({ event }) => eraseReplaced(ctx, event));
}

async function store(ctx: ServerContext, conn: Connection, frame: ChangeFrame) {
  await admitWrite(ctx, conn, frame);
  const { conversation, member } = await requireMembership(ctx, frame.conversationId, conn.userId);
  await sendOrder.checkStored(ctx, conn, frame);
  // A resend whose original is stored gets the original, whatever happened to the target since.
  const original = await ctx.store.findEvent(frame.conversationId, conn.userId, frame.clientMsgId);
  if (original) return { conversation, event: original, duplicate: true, replaced: editReplaced(ctx, frame, original) };
  // Two users who block each other change nothing in their direct conversation (blocks.ts), but
  // either may still delete what they wrote there; groups read no blocks.
  if (frame.change.kind !== 'delete') await refuseBlockedDirect(ctx, conversation, conn.userId);
  const target = await resolveTarget(ctx.store, frame.conversationId, conn.userId, frame.target);
  const changes = await ctx.store.readChanges(frame.conversationId, [target.seq], conversation.lastSeq);
  const outcome = changeOutcome(ctx, { conversation, member, target, changes, frame });
  if ('existing' in outcome) return { conversation, event: outcome.existing, duplicate: true };
  let append = outcome.append;
  if (ctx.hooks.hasBeforeChange) {
    const message = messageAsOf(target, changes, conversation.lastSeq);
    const replacement = await ctx.hooks.beforeChange({ userId: conn.userId, deviceId: conn.deviceId, conversation, clientMsgId: frame.clientMsgId, message, change: frame.change });
    if (replacement && append.kind === 'message.edited') append = { ...append, data: withContent(append.data, replacement) };
  }
  const { event, duplicate } = await ctx.store.append({
    conversationId: frame.conversationId,
    senderId: conn.userId,
    clientMsgId: frame.clientMsgId,
    ts: ctx.now(),
    ...append,
  });
  return { conversation, event, duplicate, replaced: editReplaced(ctx, frame, event) };
}

/**
 * What a stored delete or edit leaves to erase. Runs again for a repeated frame, so a node that
 * stopped between the append and the erasure is repaired by the client's retry.
 */
export async function eraseReplaced(ctx: ServerContext, event: LogEvent): Promise<void> {
  if (event.kind === 'message.deleted') {
    await ctx.store.eraseMessage(event.conversationId, event.data.messageSeq);
    // Its files go with it (a sweep finishes what a crash here leaves).
    await ctx.attachments?.erase(event.conversationId, event.data.messageId);
  }
  if (event.kind === 'message.edited' && !ctx.messages.keepEditHistory) {
    // Only versions before this edit: a later edit (another device's) is never touched.
    await ctx.store.eraseMessage(event.conversationId, event.data.messageSeq, { keepEditSeq: event.seq });
  }
}


/** An edit's stored content, when a `beforeChange` hook replaced what the device sent (none: nothing to compare). */
function editReplaced(ctx: ServerContext, frame: ChangeFrame, stored: LogEvent) {
  if (!ctx.hooks.hasBeforeChange || frame.change.kind !== 'edit' || stored.kind !== 'message.edited') return undefined;
  return replacedContent(frame.change, stored);
}
