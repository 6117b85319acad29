import type { IncomingMessage } from 'node:http';

/**
 * Browser origin policy for the socket handshake. Requests without an `Origin` header (native
 * and server clients) pass: they are authenticated by token like everyone else. Browsers pass
 * when same-origin or listed; `'*'` allows any origin (tokens still required).
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[] | '*'): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed === '*') return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
