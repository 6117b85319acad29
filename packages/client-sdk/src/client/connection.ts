import { ErrorCode, PROTOCOL_VERSION, ParleyError, type ClientFrame, type HandshakeAuth } from '@parley/protocol';
import type { ConnectionState } from '../types.js';
import type { Transport, TransportFactory } from '../transport/transport.js';
import { fullJitterDelay, type BackoffOptions } from '../state/backoff.js';
import type { Timers } from '../core/timers.js';

export interface ConnectionOptions {
  transport: TransportFactory;
  auth: () => Promise<HandshakeAuth>;
  backoff: BackoffOptions;
  /** How long an open socket may stay without a `welcome` before it counts as failed. */
  welcomeTimeoutMs: number;
  timers: Timers;
  onState(state: ConnectionState): void;
  onFrame(raw: unknown): void;
  /** The open connection (welcomed or not) is gone: in-flight requests will get no answer. */
  onLost(): void;
}

export interface Connection {
  start(): void;
  /** Called on `welcome`: the connection is usable. */
  markOnline(): void;
  /** Drops the current socket and reconnects with backoff (e.g. a sync went unanswered). */
  restart(error: ParleyError): void;
  stop(): void;
  /** Puts a frame on the wire once the connection is welcomed; false when it could not. */
  sendIfOnline(frame: ClientFrame): boolean;
  readonly state: ConnectionState;
  /** The server URL of the current (or last) attempt, where the transport knows one. */
  readonly url: string | undefined;
}

type EventHost = {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
  navigator?: { onLine?: boolean };
};

/** States no attempt leaves by itself: the app (or the runtime's network signal) acts first. */
const WAITING: ReadonlySet<ConnectionState['status']> = new Set(['closed', 'offline', 'unauthorized', 'upgrade-required']);

/**
 * Owns the socket lifecycle: attempts, exponential backoff with full jitter between them, and the
 * runtime's online/offline signal where there is one (browsers; never touched at import time).
 * Refused credentials end in `unauthorized`: another attempt with the same token cannot succeed,
 * so the client waits for the app (`connect()`) instead of retrying forever.
 */
export function createConnection(options: ConnectionOptions): Connection {
  const { timers } = options;
  let state: ConnectionState = { status: 'idle', attempt: 0 };
  let retryTimer: unknown;
  let welcomeTimer: unknown;
  let open = false;
  const host = globalThis as EventHost;

  const setState = (next: ConnectionState) => {
    state = next;
    options.onState(state);
  };

  const clearTimers = () => {
    if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
    if (welcomeTimer !== undefined) timers.clearTimeout(welcomeTimer);
    retryTimer = welcomeTimer = undefined;
  };

  const loseOpen = () => {
    if (!open) return;
    open = false;
    options.onLost();
  };

  const fail = (error: ParleyError) => {
    clearTimers();
    loseOpen();
    if (WAITING.has(state.status)) return;
    if (error.code === ErrorCode.UNAUTHORIZED) {
      transport.close();
      setState({ status: 'unauthorized', attempt: state.attempt, lastError: error });
      return;
    }
    const outdated = error.code === ErrorCode.UNSUPPORTED_PROTOCOL && protocolVerdict(error) === 'server-outdated';
    if (error.code === ErrorCode.UNSUPPORTED_PROTOCOL && !outdated) {
      // This app is older than the server speaks: only an update helps. The outbox stays.
      transport.close();
      setState({ status: 'upgrade-required', attempt: state.attempt, lastError: error });
      return;
    }
    const attempt = state.attempt + 1;
    // A server older than this app keeps being tried, slowly: during a rolling deploy the next
    // attempt may reach an upgraded node.
    const delay = outdated
      ? options.backoff.maxMs / 2 + timers.random() * (options.backoff.maxMs / 2)
      : fullJitterDelay(attempt - 1, options.backoff, timers.random);
    setState({ status: outdated ? 'server-outdated' : 'reconnecting', attempt, nextAttemptAt: timers.now() + delay, lastError: error });
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined;
      attemptNow();
    }, delay);
  };

  const transport: Transport = options.transport({
    onOpen: () => {
      open = true;
      welcomeTimer = timers.setTimeout(() => {
        welcomeTimer = undefined;
        transport.close();
        fail(new ParleyError(ErrorCode.TIMEOUT, 'no welcome from the server'));
      }, options.welcomeTimeoutMs);
    },
    onFrame: (raw) => options.onFrame(raw),
    onClose: (reason) => fail(new ParleyError(ErrorCode.UNAVAILABLE, `connection lost: ${reason}`)),
    onError: (error) => fail(error),
  });

  function attemptNow() {
    const { lastError } = state;
    // An attempt against an outdated server says so until one succeeds (no flicker to reconnecting).
    const status =
      state.status === 'server-outdated' ? 'server-outdated' : state.attempt === 0 && state.status !== 'reconnecting' ? 'connecting' : 'reconnecting';
    setState(lastError ? { status, attempt: state.attempt, lastError } : { status, attempt: state.attempt });
    transport.open(options.auth);
  }

  const onOffline = () => {
    // An unauthorized client stays so: coming back online would not make its token valid.
    if (state.status === 'closed' || state.status === 'idle' || state.status === 'unauthorized' || state.status === 'upgrade-required') return;
    clearTimers();
    transport.close();
    loseOpen();
    setState({ ...state, status: 'offline', nextAttemptAt: undefined });
  };

  const onOnline = () => {
    if (state.status !== 'offline') return;
    setState({ status: 'reconnecting', attempt: state.attempt });
    attemptNow();
  };

  return {
    get state() {
      return state;
    },
    get url() {
      return transport.url;
    },
    start() {
      // From `unauthorized` the app has new credentials (or wants to try again), from
      // `upgrade-required` it wants to try again: a fresh run of attempts; the network listeners
      // are still in place.
      if (state.status !== 'unauthorized' && state.status !== 'upgrade-required') {
        if (state.status !== 'idle' && state.status !== 'closed') return;
        host.addEventListener?.('online', onOnline);
        host.addEventListener?.('offline', onOffline);
      }
      state = { status: 'idle', attempt: 0 };
      if (host.navigator?.onLine === false) setState({ status: 'offline', attempt: 0 });
      else attemptNow();
    },
    markOnline() {
      if (welcomeTimer !== undefined) timers.clearTimeout(welcomeTimer);
      welcomeTimer = undefined;
      setState({ status: 'online', attempt: 0 });
    },
    restart(error) {
      if (state.status === 'idle' || WAITING.has(state.status)) return;
      transport.close();
      fail(error);
    },
    stop() {
      host.removeEventListener?.('online', onOnline);
      host.removeEventListener?.('offline', onOffline);
      clearTimers();
      transport.close();
      loseOpen();
      if (state.status !== 'closed') setState({ status: 'closed', attempt: 0 });
    },
    sendIfOnline: (frame) => state.status === 'online' && transport.send(frame),
  };
}

/**
 * Who is behind in a refused protocol: the server names the versions it speaks (`oldest`,
 * `newest`); a server from before negotiation only says "server speaks protocol N".
 */
export function protocolVerdict(error: ParleyError): 'upgrade-required' | 'server-outdated' {
  const data = (error.cause as { data?: { newest?: unknown } } | undefined)?.data;
  const newest = typeof data?.newest === 'number' ? data.newest : Number(/speaks protocol (\d+)/.exec(error.message)?.[1] ?? NaN);
  return newest < PROTOCOL_VERSION ? 'server-outdated' : 'upgrade-required';
}
