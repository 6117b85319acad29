import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { createJwtAuthenticator } from './jwt.js';
import type { Authenticate } from './types.js';

const ISSUER = 'parley-dev';
const AUDIENCE = 'parley';

export interface DevAuth {
  authenticate: Authenticate;
  /** Issues a token for any user id. DEVELOPMENT ONLY. */
  issueToken(userId: string, ttlSec?: number): Promise<string>;
}

/**
 * DEVELOPMENT ONLY: anyone can get a token for any user name. For demos, examples and tests;
 * never expose it on a server real users reach. Tokens are HS256 JWTs under a per-process random
 * secret (or the one given), verified by the same built-in verifier production uses.
 *
 * @example
 * const dev = createDevAuth();
 * createChatServer({ server, store, authenticate: dev.authenticate });
 * const token = await dev.issueToken('alice');
 */
export function createDevAuth(options: { secret?: string } = {}): DevAuth {
  const secret = options.secret ? new TextEncoder().encode(options.secret) : randomBytes(32);
  return {
    // Signed and checked by the same process, so there is no clock skew to allow for.
    authenticate: createJwtAuthenticator({ algorithms: ['HS256'], secret, issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: 0 }),
    async issueToken(userId, ttlSec = 24 * 3600) {
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSec}s`)
        .sign(secret);
    },
  };
}
