/**
 * The wire protocol version this release writes. Bump it whenever a frame schema changes; the
 * schema-hash test in `protocol.test.ts` fails until the version, the recorded hash and
 * `docs/protocol.md` agree.
 *
 * @example
 * io(url, { auth: { token, deviceId, protocol: PROTOCOL_VERSION } })
 */
export const PROTOCOL_VERSION = 9;

/**
 * The oldest protocol version this release still speaks. A server of this release accepts every
 * client from `OLDEST_PROTOCOL_VERSION` to `PROTOCOL_VERSION`, answers in the client's version
 * and translates at its edge what that version cannot parse; a client of this release talks to
 * any server that speaks `PROTOCOL_VERSION`. The one place the support window is declared: a
 * bump of `PROTOCOL_VERSION` moves it up by one (N and N-1), after the translation for the
 * version that leaves it is deleted.
 *
 * @example
 * const speaks = (v: number) => v >= OLDEST_PROTOCOL_VERSION && v <= PROTOCOL_VERSION;
 */
export const OLDEST_PROTOCOL_VERSION = 2;

/** The single socket.io event name every Parley frame travels on, in both directions. */
export const FRAME_EVENT = 'parley';

/**
 * What a server puts in socket.io's `connect_error` data when it refuses a handshake. With
 * `UNSUPPORTED_PROTOCOL` (4001) it names the versions it speaks, so a client can tell "upgrade
 * the app" (`oldest` above the client's version) from "the server is older than this app"
 * (`newest` below it). Servers from before negotiation (protocol 3 and older) send no range.
 */
export interface HandshakeRefusal {
  code: number;
  message: string;
  retryable: boolean;
  /** The oldest protocol version the server speaks (protocol refusals only). */
  oldest?: number;
  /** The newest protocol version the server speaks (protocol refusals only). */
  newest?: number;
}
