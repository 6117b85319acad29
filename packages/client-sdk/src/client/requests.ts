import { ErrorCode, ParleyError, type ClientFrame, type ServerFrame } from '@parley/protocol';
import type { Timers } from '../core/timers.js';

/** A frame that may carry a `reqId` (some only optionally, like `watch`), with one set. */
export type WithReqId<F extends ClientFrame> = F extends unknown ? ('reqId' extends keyof F ? F & { reqId: string } : never) : never;
type RequestFrame = WithReqId<ClientFrame>;

interface Pending {
  frame: RequestFrame;
  emitted: boolean;
  resolve(frame: ServerFrame): void;
  reject(error: ParleyError): void;
  timer: unknown;
}

/**
 * Correlates request frames with their answers by `reqId`. Requests made while a connection is
 * being (re)established wait for it (within their timeout) instead of failing at once.
 */
export interface RequestTracker {
  /** Registers a request; it is emitted now if `emit` succeeds, otherwise on the next `flush`. */
  request(frame: RequestFrame): Promise<ServerFrame>;
  /** Emits every request not yet on the wire (after `welcome`). */
  flush(): void;
  /** Settles a request with its answer; false if none is waiting for this reqId. */
  answer(reqId: string, frame: ServerFrame): boolean;
  fail(reqId: string, error: ParleyError): boolean;
  /** The connection dropped: requests already on the wire will never be answered. */
  connectionLost(): void;
  rejectAll(error: ParleyError): void;
}

export function createRequestTracker(options: {
  timeoutMs: number;
  timers: Timers;
  emit(frame: RequestFrame): boolean;
}): RequestTracker {
  const pending = new Map<string, Pending>();

  const settle = (reqId: string): Pending | undefined => {
    const entry = pending.get(reqId);
    if (!entry) return undefined;
    pending.delete(reqId);
    options.timers.clearTimeout(entry.timer);
    return entry;
  };

  return {
    request(frame) {
      return new Promise<ServerFrame>((resolve, reject) => {
        const timer = options.timers.setTimeout(() => {
          settle(frame.reqId)?.reject(new ParleyError(ErrorCode.TIMEOUT, `${frame.type} got no answer in time`));
        }, options.timeoutMs);
        pending.set(frame.reqId, { frame, emitted: false, resolve, reject, timer });
        const entry = pending.get(frame.reqId);
        if (entry) entry.emitted = options.emit(frame);
      });
    },
    flush() {
      for (const entry of pending.values()) if (!entry.emitted) entry.emitted = options.emit(entry.frame);
    },
    answer(reqId, frame) {
      const entry = settle(reqId);
      entry?.resolve(frame);
      return entry !== undefined;
    },
    fail(reqId, error) {
      const entry = settle(reqId);
      entry?.reject(error);
      return entry !== undefined;
    },
    connectionLost() {
      for (const [reqId, entry] of [...pending]) {
        if (entry.emitted) settle(reqId)?.reject(new ParleyError(ErrorCode.TIMEOUT, 'connection closed before an answer'));
      }
    },
    rejectAll(error) {
      for (const reqId of [...pending.keys()]) settle(reqId)?.reject(error);
    },
  };
}
