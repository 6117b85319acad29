import { io, type Socket } from 'socket.io-client';
import { ErrorCode, FRAME_EVENT, ParleyError, type ClientFrame } from '@parley/protocol';
import type { Transport, TransportFactory } from './transport.js';

export interface SocketTransportOptions {
  /** One server, or several nodes of one cluster tried in turn. */
  url: string | readonly string[];
  path: string;
  transports: ('websocket' | 'polling' | 'webtransport')[];
}

/** The server refuses a handshake with `err.data = { code, message, retryable }`. */
function toParleyError(err: Error & { data?: unknown }): ParleyError {
  const data = err.data as { code?: unknown; message?: unknown } | undefined;
  if (data && typeof data.code === 'number') {
    const message = typeof data.message === 'string' ? data.message : err.message;
    return new ParleyError(data.code as ErrorCode, message, { cause: err });
  }
  return new ParleyError(ErrorCode.UNAVAILABLE, err.message || 'connection failed', { cause: err });
}

/**
 * A transport over socket.io-client. Each attempt gets a fresh socket with socket.io's own
 * reconnection off, so a dropped socket leaves no timers or listeners behind. Given several URLs,
 * each attempt goes to the next one: the client only opens again after an attempt failed or a
 * connection was lost, so a node that is down is left for the next one, under the client's
 * backoff and jitter (a thundering herd of clients moving nodes spreads out).
 *
 * @example
 * const factory = createSocketTransport({ url: [nodeA, nodeB], path: '/parley/socket.io', transports: ['websocket'] });
 */
export function createSocketTransport(options: SocketTransportOptions): TransportFactory {
  const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
  const first = urls[0];
  if (first === undefined) throw new ParleyError(ErrorCode.BAD_FRAME, 'url: give at least one server URL');
  return (handlers) => {
    let socket: Socket | null = null;
    let attempts = 0;
    let current = first;

    const drop = (s: Socket) => {
      if (socket === s) socket = null;
      s.removeAllListeners();
      s.disconnect();
    };

    const transport: Transport = {
      open(auth) {
        if (socket) drop(socket);
        const url = urls[attempts % urls.length] ?? first;
        attempts += 1;
        current = url;
        const s = io(url, {
          path: options.path,
          transports: options.transports,
          reconnection: false,
          autoConnect: false,
          forceNew: true,
          // A function, so every attempt carries fresh credentials.
          auth: (cb) => {
            auth().then(
              (payload) => {
                // The attempt may have been dropped while the token was being fetched.
                if (socket === s) cb(payload);
              },
              (err: unknown) => {
                if (socket !== s) return;
                drop(s);
                // Only an UNAUTHORIZED ParleyError means "signed out"; a failed fetch of the
                // token is worth another attempt.
                handlers.onError(ParleyError.from(err, ErrorCode.UNAVAILABLE));
              },
            );
          },
        });
        socket = s;
        s.on('connect', () => {
          if (socket === s) handlers.onOpen();
        });
        s.on(FRAME_EVENT, (raw: unknown) => {
          if (socket === s) handlers.onFrame(raw);
        });
        s.on('disconnect', (reason) => {
          if (socket !== s) return;
          drop(s);
          handlers.onClose(reason);
        });
        s.on('connect_error', (err) => {
          if (socket !== s) return;
          drop(s);
          handlers.onError(toParleyError(err));
        });
        s.connect();
      },
      send(frame: ClientFrame) {
        if (!socket?.connected) return false;
        socket.emit(FRAME_EVENT, frame);
        return true;
      },
      close() {
        if (socket) drop(socket);
      },
      get url() {
        return current;
      },
    };
    return transport;
  };
}
