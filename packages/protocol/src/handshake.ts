import * as v from 'valibot';
import { Id, WellFormedString } from './primitives.js';

/**
 * The socket.io handshake `auth` payload. It is sent on the first connect and on every
 * reconnect, so the server authenticates every connection afresh.
 */
export const HandshakeAuth = v.object({
  /** A bearer token (JWT with the built-in verifier). */
  token: v.pipe(WellFormedString, v.minLength(1), v.maxLength(8192)),
  /** Stable per installation (browser profile, app install). */
  deviceId: Id,
  /** The client's PROTOCOL_VERSION. */
  protocol: v.pipe(v.number(), v.integer()),
});

export type HandshakeAuth = v.InferOutput<typeof HandshakeAuth>;
