import type { IncomingHttpHeaders } from 'node:http';

/** Who a token belongs to. */
export interface AuthIdentity {
  userId: string;
  /** When the credential stops being valid (ms since epoch); the server disconnects the socket then. */
  expiresAt?: number;
}

export interface AuthContext {
  deviceId: string | null;
  headers: IncomingHttpHeaders;
  address: string | undefined;
}

/**
 * Verifies a bearer token. Return the identity, or null (or throw) to refuse. Called at every
 * socket handshake (connects and reconnects alike) and for every REST request.
 *
 * @example
 * const authenticate: Authenticate = async (token) => {
 *   const session = await sessions.find(token);
 *   return session ? { userId: session.userId } : null;
 * };
 */
export type Authenticate = (token: string, context: AuthContext) => Promise<AuthIdentity | null>;
