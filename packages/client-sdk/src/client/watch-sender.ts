import { Limits, type ServerFrame, type WatchFrame } from '@parley/protocol';
import type { Logger } from '../types.js';
import type { WithReqId } from './requests.js';

export interface WatchSender {
  /** Tells the server the whole watch set now, if online (a new connection is told after `welcome`). */
  send(): void;
  /**
   * Settles once every watch sent so far is in effect (answered, failed or timed out); null when
   * none is outstanding, so a sync then goes out in the same tick. The server handles a socket's
   * frames concurrently: a sync sent next to a watch could finish before the watch joins its
   * rooms and miss a push made in between, so catch-ups wait for this.
   */
  pending(): Promise<void> | null;
}

export function createWatchSender(deps: {
  ids(): string[];
  isOnline(): boolean;
  newId(): string;
  request(frame: WithReqId<WatchFrame>, answer: 'watch.result'): Promise<ServerFrame>;
  logger: Logger;
}): WatchSender {
  let outstanding = 0;
  let settled: Promise<void> = Promise.resolve();
  return {
    send() {
      if (!deps.isOnline()) return;
      // The newest conversations win when more are watched than one frame may name.
      const frame = { type: 'watch' as const, reqId: deps.newId(), conversationIds: deps.ids().slice(-Limits.maxUserIdsPerRequest) };
      outstanding += 1;
      const answered = deps.request(frame, 'watch.result').then(
        () => undefined,
        // A catch-up must still run: without the watch it only misses the fast path, not the log.
        (err: unknown) => deps.logger.warn('parley: watch got no answer', { error: String(err) }),
      ).finally(() => (outstanding -= 1));
      const before = settled;
      settled = Promise.all([before, answered]).then(() => undefined);
    },
    pending: () => (outstanding > 0 ? settled : null),
  };
}
