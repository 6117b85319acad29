import * as v from 'valibot';
import { Id, Timestamp } from '../primitives.js';

/**
 * WELCOME (server → client), first frame on every connection: who the server authenticated and
 * the limits in force. The client answers with `sync` and then flushes its outbox.
 */
export const WelcomeFrame = v.strictObject({
  type: v.literal('welcome'),
  protocol: v.pipe(v.number(), v.integer()),
  userId: Id,
  deviceId: Id,
  serverTime: Timestamp,
  limits: v.record(v.string(), v.number()),
  /**
   * Present when the server sends Web Push: the VAPID public key (base64url) browsers subscribe
   * with (`pushManager.subscribe({ applicationServerKey })`), then `push.register`.
   */
  push: v.optional(v.strictObject({ vapidPublicKey: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{80,100}$/, 'a base64url P-256 public key')) })),
});
export type WelcomeFrame = v.InferOutput<typeof WelcomeFrame>;
