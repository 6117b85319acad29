import { messageAsOf, type AckFrame, type ChangeFrame, type LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult, MessageChangeInput } from '../../store/types.js';
import { requireMember, type Connection, type ServerContext } from '../context.js';
import { sendOrder } from '../send-order.js';
import { admitWrite, appendInOrder, replacedContent, withContent } from '../ordered-append.js';
import { changeOutcome, resolveTarget } from '../message-changes.js';
import { refuseBlockedDirect } from '../blocks.js';
import { finishLater, finishPendingChanges } from '../system-events.js';

/**
 * CHANGE: edit, delete, react to or unreact from a message. It travels the SEND path: the
 * device's order (`after`), the rate limit, membership, then the rules (message-changes.ts) and the
 * app's `beforeChange` hook (hooks.ts), the
 * append (seq, dedup by clientMsgId), the ACK and the push to every member connection. A delete
 * erases the content from the store with its event, and an edit the versions it replaced unless
 * the deployment keeps them (`appendMessageChange`). A change that is already in effect (a
 * reaction the user holds, a message already deleted) is answered with the event that put it in
 * effect, as a duplicate, and appends nothing.
 */
export function handleChange(ctx: ServerContext, conn: Connection, frame: ChangeFrame, receivedAt = performance.now()): Promise<AckFrame> {
  return appendInOrder(ctx, conn, frame, receivedAt, () => store(ctx, conn, frame), ({ event }) => eraseReplaced(ctx, event));
}

async function store(ctx: ServerContext, conn: Connection, frame: ChangeFrame) {
  await admitWrite(ctx, conn, frame);
  const { conversation, member } = await requireMember(ctx, frame.conversationId, conn.userId);
  await sendOrder.checkStored(ctx, conn, frame);
  // Changes a failed call or a crash left half made come first (a store without transactions
  // makes one in steps): the rules below then read the message as it is, and a resend finds
  // its original.
  await finishPendingChanges(ctx, frame.conversationId);
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
  const { event, duplicate } = await appendMessageChange(ctx, {
    conversationId: frame.conversationId,
    senderId: conn.userId,
    clientMsgId: frame.clientMsgId,
    ts: ctx.now(),
    ...append,
  });
  return { conversation, event, duplicate, replaced: editReplaced(ctx, frame, event) };
}

/**
 * Appends a change's event. An edit or a delete is made with its erasure as one store operation
 * (`appendChange`): no failed call and no crash leaves its event stored and the text it replaced
 * too, even if the device, seeing its event in a sync, never sends it again. When the call fails,
 * what it may have left half made is finished in the background (and before the conversation's
 * next change). Reactions erase nothing: a plain append.
 */
export async function appendMessageChange(ctx: ServerContext, input: AppendInput): Promise<AppendResult> {
  if (input.kind === 'message.deleted') return appendChange(ctx, input);
  if (input.kind === 'message.edited') return appendChange(ctx, { ...input, eraseReplaced: !ctx.messages.keepEditHistory });
  return ctx.store.append(input);
}

async function appendChange(ctx: ServerContext, input: MessageChangeInput): Promise<AppendResult> {
  try {
    const { event, duplicate } = await ctx.store.appendChange(input);
    return { event, duplicate };
  } catch (err) {
    finishLater(ctx, input.conversationId);
    throw err;
  }
}

/**
 * What a stored delete or edit leaves to erase, again after `appendChange` erased it (idempotent):
 * a repeated frame repairs an event an older release stored without its erasure, and a delete
 * takes its files along.
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
