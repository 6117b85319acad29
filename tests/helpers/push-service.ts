import { createECDH, randomBytes, type ECDH } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { importJWK, jwtVerify } from 'jose';
import type { ParleyNotification } from '@parley/server-sdk';

const require = createRequire(import.meta.url);
const ece = require('http_ece') as { decrypt(buffer: Buffer, params: { version: string; privateKey: ECDH; authSecret: string }): Buffer };

/** A browser's subscription, as `PushSubscription.toJSON()` gives it (what a device registers). */
export interface SubscriptionJson {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** One push the service took (2xx) or refused, with what it could check and decrypt. */
export interface ReceivedPush {
  /** The subscription (its `name`) it was for. */
  subscription: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** Why the push was refused by the service's own checks (VAPID, encryption), or null. */
  error: string | null;
  /** The decrypted payload, when it decrypted. */
  notification: ParleyNotification | null;
  /** The VAPID JWT's claims, when it verified. */
  claims: { aud: string; exp: number; sub: string } | null;
}

/** What the service answers a push that passed its checks: a status, after an optional delay, or never (`hang`). */
export type PushBehaviour = (push: { subscription: string; nth: number }) => { status: number; delayMs?: number; hang?: boolean };

export interface PushService {
  url: string;
  /** Makes a subscription as a browser does: an ECDH P-256 key pair and a 16-byte auth secret at an endpoint of this service. */
  subscribe(name: string): SubscriptionJson;
  /** Every push it got, in order. */
  received: ReceivedPush[];
  /** Pushes accepted (2xx) for one subscription, decrypted. */
  delivered(name?: string): ParleyNotification[];
  /** Pushes that failed the service's checks (should stay empty). */
  invalid(): ReceivedPush[];
  /** Requests that arrived and are not answered yet (`hang`). */
  hanging(): number;
  behave(behaviour: PushBehaviour): void;
  close(): Promise<void>;
}

/**
 * A Web Push service for tests, on a loopback port: it checks each push as a real one does (the
 * VAPID `Authorization: vapid t=<JWT>, k=<key>`: an ES256 JWT signed with that public key, `aud`
 * this service's origin, `exp` ahead, a `sub`; the `TTL` header; `Content-Encoding: aes128gcm`),
 * decrypts the RFC 8291 payload with the subscription's private key and auth secret, and answers
 * what `behave` says (201 by default; 500 to be retried, 410 to drop the subscription).
 */
export async function startPushService(vapidPublicKey: string): Promise<PushService> {
  const subscriptions = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const received: ReceivedPush[] = [];
  const counts = new Map<string, number>();
  let behaviour: PushBehaviour = () => ({ status: 201 });
  let hanging = 0;
  let origin = '';

  async function check(name: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Pick<ReceivedPush, 'error' | 'notification' | 'claims'>> {
    const subscription = subscriptions.get(name);
    if (!subscription) return { error: 'no such subscription', notification: null, claims: null };
    const auth = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(String(headers.authorization ?? ''));
    if (!auth) return { error: `bad Authorization: ${String(headers.authorization)}`, notification: null, claims: null };
    const [, token, key] = auth;
    if (key !== vapidPublicKey) return { error: 'k is not the application server key', notification: null, claims: null };
    let claims: ReceivedPush['claims'];
    try {
      const point = Buffer.from(key!, 'base64url');
      const jwk = { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') };
      const { payload } = await jwtVerify(token!, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'], audience: origin, requiredClaims: ['exp', 'sub'] });
      claims = { aud: String(payload.aud), exp: Number(payload.exp), sub: String(payload.sub) };
    } catch (err) {
      return { error: `VAPID JWT: ${String(err)}`, notification: null, claims: null };
    }
    if (!/^(mailto:|https:)/.test(claims.sub)) return { error: `sub ${claims.sub}`, notification: null, claims };
    if (!/^\d+$/.test(String(headers.ttl ?? ''))) return { error: 'no TTL', notification: null, claims };
    if (headers['content-encoding'] !== 'aes128gcm') return { error: `content-encoding ${String(headers['content-encoding'])}`, notification: null, claims };
    try {
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: subscription.ecdh, authSecret: subscription.auth.toString('base64url') });
      return { error: null, notification: JSON.parse(plain.toString('utf8')) as ParleyNotification, claims };
    } catch (err) {
      return { error: `decrypt: ${String(err)}`, notification: null, claims };
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const name = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''));
      void check(name, req.headers, Buffer.concat(chunks)).then((checked) => {
        if (req.method !== 'POST' || checked.error) {
          received.push({ subscription: name, status: 400, headers: req.headers, ...checked });
          res.writeHead(400).end();
          return;
        }
        const nth = (counts.get(name) ?? 0) + 1;
        counts.set(name, nth);
        const answer = behaviour({ subscription: name, nth });
        if (answer.hang) {
          hanging++;
          req.socket.once('close', () => hanging--);
          return;
        }
        const reply = () => {
          received.push({ subscription: name, status: answer.status, headers: req.headers, ...checked });
          res.writeHead(answer.status).end();
        };
        if (answer.delayMs) setTimeout(reply, answer.delayMs);
        else reply();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    subscribe(name) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subscriptions.set(name, { ecdh, auth });
      return { endpoint: `${origin}/push/${encodeURIComponent(name)}`, expirationTime: null, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    received,
    delivered: (name) => received.filter((r) => r.status >= 200 && r.status < 300 && r.notification && (name === undefined || r.subscription === name)).map((r) => r.notification!),
    invalid: () => received.filter((r) => r.error !== null),
    hanging: () => hanging,
    behave(next) {
      behaviour = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
