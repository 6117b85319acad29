import { randomUUID } from 'node:crypto';
import { ErrorCode, ParleyError, type LogEvent } from '@parley/protocol';
import type { AppendInput } from '../store/types.js';
import type { ServerContext } from './context.js';
import { pushToConversation } from './fanout.js';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A system event's kind and data (membership, roles, details). */
export type SystemEventBody = Without<AppendInput, 'conversationId' | 'senderId' | 'clientMsgId' | 'ts'>;

/**
 * Appends an event a request caused (members added or removed, roles, details) in the name of
 * `actor`, queues it for webhooks and listeners (stored-events.ts), and pushes it to the members
 * and to `alsoNotify` (users the change is about, who may not be members any more, and the actor,
 * whose cursor must not skip a seq). Its dedup key is fresh: a retried request that changes
 * nothing appends nothing, because the state change before it found nothing to do.
 */
export async function appendSystemEvent(
  ctx: ServerContext,
  actor: string,
  conversationId: string,
  body: SystemEventBody,
  alsoNotify: readonly string[] = [],
  /** The state change the event records, when it follows the event (see `applyAfterEvent`). */
  apply?: () => Promise<unknown>,
): Promise<LogEvent> {
  const { event } = await ctx.store.append({
    conversationId,
    senderId: actor,
    clientMsgId: `system:${body.kind}:${randomUUID()}`,
    ts: ctx.now(),
    ...body,
  } as AppendInput);
  try {
    await ctx.storedEvents.stored([event], false);
  } catch (err) {
    // The change stands (it is stored, and members are told below); only its webhook is lost.
    ctx.logger.error('a system event could not be queued for webhooks', { err, eventId: event.id });
  }
  // Members hear of the event even when its change is still being applied: it is in the log.
  const applied = apply ? applyAfterEvent(ctx, event, apply).then(() => undefined, (err: unknown) => err) : undefined;
  const failure = await applied;
  const conversation = await ctx.store.getConversation(conversationId);
  if (conversation) await pushToConversation(ctx, conversation, { type: 'event', event }, { alsoNotify: [actor, ...alsoNotify] });
  if (failure) throw failure;
  return event;
}

const INLINE_TRIES = 3;
const RETRY_FOR_MS = 60_000;

/**
 * Applies the state change an event records, after the event (details, roles). The order is
 * chosen for a store that fails between the two writes: the log already says what changed, and
 * the change is applied again until it holds (it sets fields, so applying it twice is the same as
 * once): a few times at once, then in the background with backoff for a minute, while the caller
 * gets UNAVAILABLE. A retried request finds the state not changed yet and records it again,
 * which repeats a system line and converges. The other order would leave the state changed and
 * the log silent, and a retry would then find nothing to do: the log (which clients fold) and the
 * stored state (which summaries read) would disagree for good.
 */
async function applyAfterEvent(ctx: ServerContext, event: LogEvent, apply: () => Promise<unknown>): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < INLINE_TRIES; attempt++) {
    try {
      await apply();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 50 * 4 ** attempt));
    }
  }
  ctx.logger.error('a recorded change could not be applied yet; retrying in the background', { err: lastError, eventId: event.id });
  const deadline = Date.now() + RETRY_FOR_MS;
  const retry = (delayMs: number) => {
    const timer = setTimeout(() => {
      apply().catch((err: unknown) => {
        if (Date.now() < deadline) return retry(Math.min(delayMs * 2, 5_000));
        ctx.logger.error('a recorded change was never applied', { err, eventId: event.id });
      });
    }, delayMs);
    timer.unref?.();
  };
  retry(500);
  throw new ParleyError(ErrorCode.UNAVAILABLE, 'the change is recorded but not applied yet; it will be', { cause: lastError });
}
