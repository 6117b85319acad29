import { randomUUID } from 'node:crypto';
import { ErrorCode, ParleyError, type LogEvent } from '@parley/protocol';
import type { AppendInput } from '../store/types.js';
import type { ServerContext } from './context.js';
import { pushToConversation } from './fanout.js';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A system event's kind and data (membership, roles, details). */
export type SystemEventBody = Without<AppendInput, 'conversationId' | 'senderId' | 'clientMsgId' | 'ts'>;

const INLINE_TRIES = 3;
/** How long a system event is retried in the background (while this node runs). */
const RETRY_FOR_MS = 10 * 60_000;

/**
 * Records an event a request caused (members added or removed, roles, details) in the name of
 * `actor`: `apply` (the state change it records, if the caller has not made it yet) first, then
 * the append, the queue for webhooks and listeners (stored-events.ts), and the push to the members
 * and to `alsoNotify` (users the change is about, who may not be members any more, and the actor,
 * whose cursor must not skip a seq).
 *
 * The state goes first so that no reader sees the log ahead of it: a summary read between the two
 * shows the new state at an older seq, and the event that follows changes nothing more. (The other
 * order let a summary show the old state at the new seq, and apps took it over the event.) A store
 * failing after the state changed must not leave the log silent, since a retried request would
 * find nothing left to change: the append is retried with the same dedup key (so it is stored
 * once) a few times at once, then in the background for ten minutes, pushing it when it lands;
 * meanwhile the caller gets UNAVAILABLE.
 */
export async function appendSystemEvent(
  ctx: ServerContext,
  actor: string,
  conversationId: string,
  body: SystemEventBody,
  alsoNotify: readonly string[] = [],
  apply?: () => Promise<unknown>,
): Promise<LogEvent> {
  if (apply) await apply();
  const input = { conversationId, senderId: actor, clientMsgId: `system:${body.kind}:${randomUUID()}`, ts: ctx.now(), ...body } as AppendInput;
  const publish = (event: LogEvent) => record(ctx, event, [actor, ...alsoNotify]);
  let lastError: unknown;
  for (let attempt = 0; attempt < INLINE_TRIES; attempt++) {
    try {
      const { event } = await ctx.store.append(input);
      await publish(event);
      return event;
    } catch (err) {
      lastError = err;
      if (attempt + 1 < INLINE_TRIES) await new Promise((resolve) => setTimeout(resolve, 50 * 4 ** attempt));
    }
  }
  ctx.logger.error('a change is made but its event is not stored yet; retrying in the background', { err: lastError, conversationId, kind: body.kind });
  const deadline = Date.now() + RETRY_FOR_MS;
  const retry = (delayMs: number) => {
    const timer = setTimeout(() => {
      ctx.store
        .append(input)
        .then(({ event }) => publish(event))
        .catch((err: unknown) => {
          if (Date.now() < deadline) return retry(Math.min(delayMs * 2, 2_000));
          ctx.logger.error('a change was made and its event never stored', { err, conversationId, kind: body.kind });
        });
    }, delayMs);
    timer.unref?.();
  };
  retry(500);
  throw new ParleyError(ErrorCode.UNAVAILABLE, 'the change is made; its record in the conversation follows', { cause: lastError });
}

/** Queues a stored system event (webhooks, listeners) and pushes it. */
async function record(ctx: ServerContext, event: LogEvent, alsoNotify: readonly string[]): Promise<void> {
  try {
    await ctx.storedEvents.stored([event], false);
  } catch (err) {
    // The change stands (it is stored, and members are told below); only its webhook is lost.
    ctx.logger.error('a system event could not be queued for webhooks', { err, eventId: event.id });
  }
  const conversation = await ctx.store.getConversation(event.conversationId);
  if (conversation) await pushToConversation(ctx, conversation, { type: 'event', event }, { alsoNotify });
}
