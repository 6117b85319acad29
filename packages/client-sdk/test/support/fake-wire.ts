import type { ClientFrame, HandshakeAuth, ServerFrame } from '@parley/protocol';
import type { ParleyError } from '@parley/protocol';
import type { Timers } from '../../src/core/timers.js';
import type { TransportFactory, TransportHandlers } from '../../src/transport/transport.js';

/** A manual clock: timers run only when the test advances time. */
export function createManualTimers(random = 0.5) {
  let now = 1_000_000;
  let nextId = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => void pending.delete(id as number),
    random: () => random,
  };
  return {
    timers,
    get now() {
      return now;
    },
    pendingCount: () => pending.size,
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

/** The server side of our own transport boundary, driven by the test. */
export function createFakeWire() {
  let handlers: TransportHandlers | undefined;
  let connected = false;
  const sent: ClientFrame[] = [];
  const auths: HandshakeAuth[] = [];
  let opens = 0;
  const factory: TransportFactory = (h) => {
    handlers = h;
    return {
      open(auth) {
        opens += 1;
        connected = false;
        void auth().then((a) => auths.push(a), () => undefined);
      },
      send(frame) {
        if (!connected) return false;
        sent.push(frame);
        return true;
      },
      close() {
        connected = false;
      },
    };
  };
  const h = () => {
    if (!handlers) throw new Error('transport not created');
    return handlers;
  };
  return {
    factory,
    sent,
    auths,
    get opens() {
      return opens;
    },
    accept() {
      connected = true;
      h().onOpen();
    },
    /** Delivers a frame as raw wire data (it need not be valid). */
    push(frame: ServerFrame | Record<string, unknown>) {
      h().onFrame(frame);
    },
    drop(reason = 'transport close') {
      connected = false;
      h().onClose(reason);
    },
    refuse(error: ParleyError) {
      h().onError(error);
    },
    /** Sent frames of one type, in order. */
    frames<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
      return sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
    },
  };
}

/** Lets pending promise callbacks (storage, auth) run. */
export async function flushAsync(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
