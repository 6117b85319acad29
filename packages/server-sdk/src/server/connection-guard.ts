import type { Socket } from 'socket.io';
import { ErrorCode, FRAME_EVENT, ParleyError } from '@parley/protocol';
import type { RateLimiter } from './rate-limiter.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';
import type { Connection } from './context.js';
import { answerRefusal } from './dispatch.js';

/**
 * Counts each user's connections on this node, so that one token cannot open sockets without
 * end (each socket would bring its own frame budget, presence entry and memory).
 */
export class UserConnections {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /**
   * Takes a place for `userId` (or throws LIMIT_EXCEEDED) and frees it when the socket goes, or
   * when its transport closes before the socket connected (socket.io then drops it silently).
   */
  hold(socket: Socket, userId: string): void {
    // Closed while the token was being checked: socket.io will not connect it, nothing to count.
    if (socket.conn.readyState !== 'open') return;
    const release = this.reserve(userId);
    const onTransportClose = () => release();
    socket.conn.once('close', onTransportClose);
    socket.once('disconnect', () => {
      socket.conn.off('close', onTransportClose);
      release();
    });
  }

  /** Takes a place for `userId`; the release function is idempotent. */
  private reserve(userId: string): () => void {
    const count = this.counts.get(userId) ?? 0;
    if (count >= this.max) {
      throw new ParleyError(ErrorCode.LIMIT_EXCEEDED, `too many connections for this user (at most ${this.max} per server)`);
    }
    this.counts.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(userId) ?? 1) - 1;
      if (left > 0) this.counts.set(userId, left);
      else this.counts.delete(userId);
    };
  }
}

/** The buckets every inbound packet draws from: one per connection and one per user. */
export interface FrameBudget {
  perConnection: RateLimiter;
  perUser: RateLimiter;
  metrics: ChatMetrics;
}

/**
 * Charges every inbound socket.io event, whatever its name, to the connection's and the user's
 * frame budgets before any handler sees it, so that no event name is a way around the limit.
 * Events other than Parley's get a typed BAD_FRAME and go no further.
 */
export function guardInbound(socket: Socket, conn: Connection, budget: FrameBudget): void {
  socket.use(([event, raw], next) => {
    // The user's bucket is charged only for frames their connection let through, so one flooding
    // device spends its own budget first, not its siblings'.
    const limit = !budget.perConnection.take(socket.id) ? 'frames' : !budget.perUser.take(conn.userId) ? 'user-frames' : null;
    if (limit) {
      budget.metrics.rateLimited.inc({ limit });
      answerRefusal(conn, event === FRAME_EVENT ? raw : undefined, new ParleyError(ErrorCode.RATE_LIMITED, 'too many frames'));
      return;
    }
    if (event !== FRAME_EVENT) {
      conn.send({ type: 'error', code: ErrorCode.BAD_FRAME, message: `unknown event; use '${FRAME_EVENT}'`, retryable: false });
      return;
    }
    next();
  });
}
