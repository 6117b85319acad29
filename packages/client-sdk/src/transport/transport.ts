import type { ClientFrame, HandshakeAuth, ParleyError } from '@parley/protocol';

/** What a transport reports back; every callback concerns the current attempt only. */
export interface TransportHandlers {
  /** The server accepted the handshake (the `welcome` frame follows). */
  onOpen(): void;
  /** An inbound frame, not yet validated. */
  onFrame(raw: unknown): void;
  /** An open connection was lost. */
  onClose(reason: string): void;
  /** An attempt failed before opening (refused handshake, unreachable server, token failure). */
  onError(error: ParleyError): void;
}

/**
 * The boundary between the client core and the wire: one connection attempt at a time, no
 * reconnection of its own (the client owns backoff, so it can show when the next attempt is).
 */
export interface Transport {
  /** Starts an attempt, dropping any previous socket. `auth` is asked afresh for every attempt. */
  open(auth: () => Promise<HandshakeAuth>): void;
  /** Emits a frame if a connection is open; false otherwise. */
  send(frame: ClientFrame): boolean;
  /** Drops the socket without reporting `onClose`. */
  close(): void;
  /** The server URL of the current (or last) attempt, where the transport knows one. */
  readonly url?: string;
}

export type TransportFactory = (handlers: TransportHandlers) => Transport;
