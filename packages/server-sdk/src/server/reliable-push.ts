import { ErrorCode, ParleyError, type ServerFrame } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { ServerContext } from './context.js';
import { emitToRooms, pushToConversation, type ConversationPushOptions } from './fanout.js';

/** Backoff between push attempts, and how long to keep trying before asking everyone to resync. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;
const GIVE_UP_AFTER_MS = 60_000;

/**
 * Pushes an event that is already stored and acknowledged. The push reads the member list, so a
 * store blip can make it fail; then nobody would learn of the event until something else
 * happened in the conversation. So a failed push is retried in the background with backoff, and
 * if the store stays away past a minute every connection is asked to resync: an ACKed message
 * always reaches its members without waiting for the next one.
 */
export async function pushStoredEvent(
  ctx: ServerContext,
  conversation: Pick<StoredConversation, 'id' | 'memberCount'>,
  frame: ServerFrame,
  options: ConversationPushOptions,
): Promise<void> {
  try {
    await pushToConversation(ctx, conversation, frame, options);
  } catch (err) {
    ctx.logger.warn('push of a stored event failed; retrying', { conversationId: conversation.id, err });
    retryLater(ctx, conversation, frame, options, FIRST_RETRY_MS, Date.now() + GIVE_UP_AFTER_MS);
  }
}

function retryLater(
  ctx: ServerContext,
  conversation: Pick<StoredConversation, 'id' | 'memberCount'>,
  frame: ServerFrame,
  options: ConversationPushOptions,
  delayMs: number,
  deadline: number,
): void {
  const timer = setTimeout(() => {
    pushToConversation(ctx, conversation, frame, options).catch((err: unknown) => {
      if (Date.now() < deadline) return retryLater(ctx, conversation, frame, options, Math.min(delayMs * 2, MAX_RETRY_MS), deadline);
      ctx.logger.error('push of a stored event kept failing: every connection resyncs', {
        conversationId: conversation.id,
        err: ParleyError.from(err, ErrorCode.UNAVAILABLE),
      });
      emitToRooms(ctx, 'everyone', { type: 'resync', reason: 'push-failed' });
    });
  }, delayMs);
  timer.unref?.();
}
