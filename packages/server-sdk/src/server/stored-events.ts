import type { LogEvent } from '@parley/protocol';
import type { Logger } from '../logger.js';
import { knownEvent } from './known-events.js';

/** Receives each log event this node stored, once, after it is durable (see `chat.on('event')`). */
export type StoredEventListener = (event: LogEvent) => void;

/** Where webhooks and notifications (or anything else that must not lose an event) queue what was stored. */
export interface DurableEventQueue {
  enqueue(events: readonly LogEvent[]): Promise<void>;
}

/**
 * The one step every stored log event passes, on every path (a client's SEND or CHANGE, a
 * membership change, the server API), before anyone is told of it: first the durable queues
 * (webhooks, notifications), awaited, so an event ACKed is an event queued; then this node's
 * listeners.
 *
 * A repeat (the store found the dedup key) is queued again, because a crash between the append
 * and the queue would otherwise lose it: the client's retry repairs it, and the queue ignores an
 * id it holds. Listeners hear of new events only, so each stored event reaches them once, on the
 * node that stored it; a node killed between the append and this step never tells its listeners
 * (webhooks are the at-least-once channel).
 */
export class StoredEvents {
  private readonly listeners = new Set<StoredEventListener>();
  private readonly queues: DurableEventQueue[] = [];

  constructor(private readonly logger: Logger) {}

  /** Adds a durable queue (webhooks, notifications: each when configured). */
  useQueue(queue: DurableEventQueue | undefined): void {
    if (queue) this.queues.push(queue);
  }

  on(listener: StoredEventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Whether anything listens at all: with no queues and no listeners this step costs nothing. */
  get idle(): boolean {
    return this.queues.length === 0 && this.listeners.size === 0;
  }

  async stored(events: readonly LogEvent[], duplicate: boolean): Promise<void> {
    if (events.length === 0 || this.idle) return;
    if (this.queues.length === 1) await this.queues[0]!.enqueue(events);
    else if (this.queues.length > 1) await Promise.all(this.queues.map((queue) => queue.enqueue(events)));
    if (duplicate) return;
    for (const event of events) {
      // Listeners get the event as clients of this release see it (no store marks), and a throw
      // in one of them is the app's bug: logged, never a refused write.
      const shown = knownEvent(event);
      for (const listener of this.listeners) {
        try {
          listener(shown);
        } catch (err) {
          this.logger.error('an event listener threw', { err, eventId: event.id });
        }
      }
    }
  }
}
