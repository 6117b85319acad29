import { randomUUID } from 'node:crypto';
import type { LogEvent } from '@parley/protocol';
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
  const conversation = await ctx.store.getConversation(conversationId);
  if (conversation) await pushToConversation(ctx, conversation, { type: 'event', event }, { alsoNotify: [actor, ...alsoNotify] });
  return event;
}
