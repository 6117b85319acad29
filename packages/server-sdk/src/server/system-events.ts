import { randomUUID } from 'node:crypto';
import { ErrorCode, ParleyError, type LogEvent } from '@parley/protocol';
import type { AppendInput, AppendResult, ChangeResult, GroupChangeInput } from '../store/types.js';
import type { ServerContext } from './context.js';
import { pushToConversation } from './fanout.js';

type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A system event's kind and data (membership, roles, details). */
export type SystemEventBody = Without<AppendInput, 'conversationId' | 'senderId' | 'clientMsgId' | 'ts'>;
/** A group change's kind and data: details (`conversation.updated`) or roles (`members.role`). */
export type ChangeBody = Without<GroupChangeInput, 'conversationId' | 'senderId' | 'clientMsgId' | 'ts'>;

/** Calls of one change, with one dedup key, before the caller is told to retry. */
const INLINE_TRIES = 3;
/** How long the changes a failed call may have left half made are finished in the background. */
const REPAIR_FOR_MS = 10 * 60_000;

function systemInput<B extends SystemEventBody>(ctx: ServerContext, actor: string, conversationId: string, body: B) {
  return { conversationId, senderId: actor, clientMsgId: `system:${body.kind}:${randomUUID()}`, ts: ctx.now(), ...body };
}

/**
 * Makes a group change (details, roles) in the name of `actor` and records it, as one store
 * operation (`appendChange`): no crash leaves the one without the other (types.ts says what
 * readers see on each store). Then the
 * queue for webhooks and listeners (stored-events.ts), and the push to the members and to
 * `alsoNotify` (and to the actor, whose cursor must not skip a seq).
 *
 * Changes a crash left half made (a store without transactions makes one in steps) are finished
 * and pushed first, so the log keeps the order the changes were made in. A failed call is tried
 * again with the same dedup key, which applies nothing twice: a reply lost after the store wrote
 * gets the event to push. When every try fails the caller gets UNAVAILABLE: a store with
 * transactions changed nothing, and one without finishes the change later (in the background
 * here, and before the conversation's next change; the client's retry then finds it made).
 */
export async function recordChange(
  ctx: ServerContext,
  actor: string,
  conversationId: string,
  body: ChangeBody,
  alsoNotify: readonly string[] = [],
): Promise<ChangeResult> {
  await finishPendingChanges(ctx, conversationId);
  const input = systemInput(ctx, actor, conversationId, body) as GroupChangeInput;
  let lastError: unknown;
  for (let attempt = 0; attempt < INLINE_TRIES; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 4 ** (attempt - 1)));
    try {
      const result = await ctx.store.appendChange(input);
      await publish(ctx, result, [actor, ...alsoNotify]);
      return result;
    } catch (err) {
      lastError = err;
    }
  }
  finishLater(ctx, conversationId);
  throw new ParleyError(ErrorCode.UNAVAILABLE, 'the change could not be recorded; try again', { cause: lastError });
}

/**
 * Records an event a request caused after it made the change itself (members added or removed),
 * in the name of `actor`: the append, then the queue and the push, as `recordChange` does. The
 * append is tried with one dedup key until stored (a few times at once, then in the background
 * for ten minutes, pushing it when it lands); meanwhile the caller gets UNAVAILABLE.
 */
export async function appendSystemEvent(
  ctx: ServerContext,
  actor: string,
  conversationId: string,
  body: SystemEventBody,
  alsoNotify: readonly string[] = [],
): Promise<LogEvent> {
  const input = systemInput(ctx, actor, conversationId, body) as AppendInput;
  const notify = [actor, ...alsoNotify];
  let lastError: unknown;
  for (let attempt = 0; attempt < INLINE_TRIES; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 4 ** (attempt - 1)));
    try {
      const appended = await ctx.store.append(input);
      await publish(ctx, appended, notify);
      return appended.event;
    } catch (err) {
      lastError = err;
    }
  }
  ctx.logger.error('a change is made but its event is not stored yet; retrying in the background', { err: lastError, conversationId, kind: body.kind });
  inBackground(ctx, () => ctx.store.append(input).then((appended) => publish(ctx, appended, notify)), { conversationId, kind: body.kind }, 500);
  throw new ParleyError(ErrorCode.UNAVAILABLE, 'the change is made; its record in the conversation follows', { cause: lastError });
}

/**
 * Finishes the group changes a crash or a failed call left half made (of one conversation, or of
 * all at start) and pushes their events. Throws when the store does: the change that asked
 * waits for it.
 */
export async function finishPendingChanges(ctx: ServerContext, conversationId?: string): Promise<void> {
  const finished = await ctx.store.finishPendingChanges(conversationId);
  for (const appended of finished) await publish(ctx, appended, [appended.event.senderId]);
}

/** `finishPendingChanges` in the background until it succeeds (for ten minutes): at start (at once), and after a failed change. */
export function finishLater(ctx: ServerContext, conversationId?: string): void {
  inBackground(ctx, () => finishPendingChanges(ctx, conversationId), { conversationId, kind: 'pending changes' }, conversationId === undefined ? 0 : 500);
}

/** Per server: the timers of its background retries, cleared when it closes (`stopBackgroundRetries`). */
const retries = new WeakMap<ServerContext, Set<NodeJS.Timeout>>();

function inBackground(ctx: ServerContext, task: () => Promise<unknown>, about: { conversationId?: string | undefined; kind: string }, firstDelayMs: number): void {
  let timers = retries.get(ctx);
  if (!timers) retries.set(ctx, (timers = new Set()));
  const pending = timers;
  const deadline = Date.now() + REPAIR_FOR_MS;
  const attempt = (delayMs: number) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      task().catch((err: unknown) => {
        if (retries.get(ctx) !== pending) return; // the server closed meanwhile
        if (Date.now() < deadline) return attempt(Math.min(Math.max(delayMs * 2, 500), 2_000));
        ctx.logger.error('a change was made and its event never stored', { err, ...about });
      });
    }, delayMs);
    timer.unref?.();
    pending.add(timer);
  };
  attempt(firstDelayMs);
}

/** Stops the server's background retries (it is closing; the store may close next). */
export function stopBackgroundRetries(ctx: ServerContext): void {
  for (const timer of retries.get(ctx) ?? []) clearTimeout(timer);
  retries.delete(ctx);
}

/** Queues a stored system event (webhooks, listeners) and pushes it. */
async function publish(ctx: ServerContext, { event, duplicate }: AppendResult, alsoNotify: readonly string[]): Promise<void> {
  try {
    await ctx.storedEvents.stored([event], duplicate);
  } catch (err) {
    // The change stands (it is stored, and members are told below); only its webhook is lost.
    ctx.logger.error('a system event could not be queued for webhooks', { err, eventId: event.id });
  }
  const conversation = await ctx.store.getConversation(event.conversationId);
  if (conversation) await pushToConversation(ctx, conversation, { type: 'event', event }, { alsoNotify });
}
