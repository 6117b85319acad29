import type { KeyObject, webcrypto } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Id } from '@parley/protocol';
import * as v from 'valibot';
import type { Authenticate } from './types.js';

export type JwtAlgorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA';

export interface JwtOptions {
  /** Accepted algorithms, pinned: a token signed with any other (or `none`) is refused. */
  algorithms: [JwtAlgorithm, ...JwtAlgorithm[]];
  /** HMAC secret (HS*), at least 32 bytes. */
  secret?: string | Uint8Array;
  /**
   * Public key for RS/PS/ES/EdDSA. Typed with Node's own key types (not the verifier library's), so
   * that these declarations hold for CommonJS callers too.
   */
  publicKey?: webcrypto.CryptoKey | KeyObject;
  /** JWKS endpoint URL, fetched and cached (rotation-safe). */
  jwksUrl?: string | URL;
  /** Required `iss`. */
  issuer: string | string[];
  /** Required `aud`. */
  audience: string | string[];
  /** Claim holding the user id (default `sub`). */
  userIdClaim?: string;
  /** Allowed clock skew in seconds (default 30). */
  clockToleranceSec?: number;
}

/**
 * The built-in JWT verifier: pinned algorithms, required `exp`, and `iss`/`aud` checks.
 *
 * @example
 * createChatServer({
 *   server, store,
 *   authenticate: createJwtAuthenticator({
 *     algorithms: ['HS256'], secret: process.env.JWT_SECRET!, issuer: 'https://auth.example.com', audience: 'chat',
 *   }),
 * });
 */
export function createJwtAuthenticator(options: JwtOptions): Authenticate {
  const key = resolveKey(options);
  const claim = options.userIdClaim ?? 'sub';
  const tolerance = options.clockToleranceSec ?? 30;
  return async (token) => {
    const { payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
      algorithms: options.algorithms,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['exp'],
      clockTolerance: tolerance,
    });
    const userId = payload[claim];
    if (!v.is(Id, userId)) return null;
    // Valid until `exp` plus the tolerance that let it in: a token accepted just after its `exp`
    // is not cut at once (the client would reconnect with it, be let in and cut, again and again).
    return { userId, expiresAt: ((payload.exp ?? 0) + tolerance) * 1000 };
  };
}

function resolveKey(options: JwtOptions): Uint8Array | CryptoKey | KeyObject | JWTVerifyGetKey {
  const given = [options.secret, options.publicKey, options.jwksUrl].filter((k) => k !== undefined);
  if (given.length !== 1) throw new TypeError('jwt: give exactly one of secret, publicKey, jwksUrl');
  if (options.jwksUrl !== undefined) return createRemoteJWKSet(new URL(options.jwksUrl));
  if (options.publicKey !== undefined) return options.publicKey;
  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret!;
  if (secret.byteLength < 32) throw new TypeError('jwt: an HMAC secret must be at least 32 bytes');
  if (options.algorithms.some((alg) => !alg.startsWith('HS'))) {
    throw new TypeError('jwt: a secret only verifies HS* algorithms');
  }
  return secret;
}
