/**
 * The wire protocol version. Bump it whenever a frame schema changes; the schema-hash test in
 * `protocol.test.ts` fails until the version, the recorded hash and `docs/protocol.md` agree.
 *
 * @example
 * io(url, { auth: { token, deviceId, protocol: PROTOCOL_VERSION } })
 */
export const PROTOCOL_VERSION = 3;

/** The single socket.io event name every Parley frame travels on, in both directions. */
export const FRAME_EVENT = 'parley';
