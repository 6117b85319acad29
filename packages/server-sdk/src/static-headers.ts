import type { IncomingMessage } from 'node:http';

/** A fixed policy, or one built per request (e.g. from its `Host`). */
export type ContentSecurityPolicy = string | ((req: IncomingMessage) => string);

// Only a well-formed host may be written back into a header: the value comes from the client.
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The default policy, strict enough for a built single-page app such as the example web chat:
 * scripts, styles, images and fonts from this origin only (images also as `data:` previews and
 * `blob:` files on the device), no plugins, no inline code, no
 * framing, and connections to this origin's HTTP and socket endpoints (`ws:`/`wss:` spelled out
 * because older browsers do not count them as `'self'`).
 *
 * @example
 * createStaticHandler('dist', { contentSecurityPolicy: (req) => defaultContentSecurityPolicy(req) + '; img-src *' });
 */
export function defaultContentSecurityPolicy(req: IncomingMessage): string {
  const host = req.headers.host;
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // data: for the tiny previews messages carry with their images, blob: for a file shown from
    // the device while it uploads; never another origin's images (docs/security.md).
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers sent with every static response: the CSP, no MIME sniffing, no referrer, no framing. */
export function securityHeaders(req: IncomingMessage, csp: ContentSecurityPolicy): Record<string, string> {
  return {
    'content-security-policy': typeof csp === 'function' ? csp(req) : csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // For browsers that predate `frame-ancestors`.
    'x-frame-options': 'DENY',
  };
}
