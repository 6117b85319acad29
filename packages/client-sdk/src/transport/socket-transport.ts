import { io, type Socket } from 'socket.io-client';
import { ErrorCode, FRAME_EVENT, ParleyError, type ClientFrame } from '@parley/protocol';
import type { Transport, TransportFactory } from './transport.js';

export interface SocketTransportOptions {
  url: string;
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
 * reconnection off, so a dropped socket leaves no timers or listeners behind.
 *
 * @example
 * const factory = createSocketTransport({ url, path: '/parley/socket.io', transports: ['websocket'] });
 */
export function createSocketTransport(options: SocketTransportOptions): TransportFactory {
  return (handlers) => {
    let socket: Socket | null = null;

    const drop = (s: Socket) => {
      if (socket === s) socket = null;
      s.removeAllListeners();
      s.disconnect();
    };

    const transport: Transport = {
      open(auth) {
        if (socket) drop(socket);
        const s = io(options.url, {
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
                handlers.onError(ParleyError.from(err, ErrorCode.UNAUTHORIZED));
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
    };
    return transport;
  };
}
