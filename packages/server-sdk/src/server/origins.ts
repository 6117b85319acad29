import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * Browser origin policy for the socket handshake. Requests without an `Origin` header (native
 * and server clients) pass: they are authenticated by token like everyone else. Browsers pass
 * when same-origin or listed; `'*'` allows any origin (tokens still required). Origins compare
 * as scheme, host and port together: an allowed `https://app.example` does not admit
 * `http://app.example`.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[] | '*'): boolean {
  const header = req.headers.origin;
  if (header === undefined || allowed === '*') return true;
  const origin = normalizeOrigin(header);
  if (origin === null) return false;
  if (allowed.some((entry) => normalizeOrigin(entry) === origin)) return true;
  return origin === ownOrigin(req);
}

/** `scheme://host[:port]` in canonical form (lower case, default port dropped), or null. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * The origin this request was addressed to. The scheme comes from the TLS socket, or from
 * `X-Forwarded-Proto` set by a TLS-terminating proxy: a page cannot forge that header on a
 * cross-origin request (a custom header needs a CORS preflight that this server refuses).
 */
function ownOrigin(req: IncomingMessage): string | null {
  const host = req.headers.host;
  if (!host) return null;
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  const scheme = proto === 'https' || proto === 'http' ? proto : (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  return normalizeOrigin(`${scheme}://${host}`);
}
