import * as v from 'valibot';
import { Id, Timestamp } from '../primitives.js';

const Base64Url = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+={0,2}$/, 'base64url'));

/**
 * A browser's Web Push subscription, as `PushSubscription.toJSON()` gives it: the push service's
 * endpoint (an http(s) URL; which push services the server POSTs to is its own rule), when it expires, and the keys the server encrypts with (RFC 8291): an
 * uncompressed P-256 public key (65 bytes) and a 16-byte auth secret, base64url.
 */
export const PushSubscription = v.strictObject({
  endpoint: v.pipe(v.string(), v.maxLength(2048), v.url(), v.regex(/^https?:\/\//, 'an http(s) endpoint')),
  expirationTime: v.optional(v.nullable(Timestamp)),
  keys: v.strictObject({
    p256dh: v.pipe(Base64Url, v.minLength(86), v.maxLength(90)),
    auth: v.pipe(Base64Url, v.minLength(21), v.maxLength(26)),
  }),
});
export type PushSubscription = v.InferOutput<typeof PushSubscription>;

/**
 * PUSH.REGISTER (client → server): this device's Web Push subscription, replacing its previous
 * one; notifications for the user reach it while no device of theirs received the message. The
 * server answers `push.result`; FORBIDDEN when it sends no Web Push (no `welcome.push`), BAD_FRAME
 * for an endpoint that is not a push service it sends to.
 */
export const PushRegisterFrame = v.strictObject({
  type: v.literal('push.register'),
  reqId: Id,
  subscription: PushSubscription,
});
export type PushRegisterFrame = v.InferOutput<typeof PushRegisterFrame>;

/** PUSH.UNREGISTER (client → server): this device gets no more Web Push (signed out, turned off). Idempotent. */
export const PushUnregisterFrame = v.strictObject({
  type: v.literal('push.unregister'),
  reqId: Id,
});
export type PushUnregisterFrame = v.InferOutput<typeof PushUnregisterFrame>;

/** The answer to `push.register` (`registered: true`) and `push.unregister` (`false`). */
export const PushResultFrame = v.strictObject({
  type: v.literal('push.result'),
  reqId: Id,
  registered: v.boolean(),
});
export type PushResultFrame = v.InferOutput<typeof PushResultFrame>;

/** What a user is notified of, for all their conversations: every message, mentions of them, or nothing. */
export const NotifyLevel = v.picklist(['all', 'mentions', 'none']);
export type NotifyLevel = v.InferOutput<typeof NotifyLevel>;

/**
 * NOTIFY (client → server): what the user is notified of in one conversation (`all` or
 * `mentions`; `null`: their own level, `settings.notify`). Private to the user: answered with the
 * conversation's summary (its `notify`), pushed to their other devices. Mute (`mute`) silences a
 * conversation whatever this says.
 */
export const NotifyFrame = v.strictObject({
  type: v.literal('notify'),
  reqId: Id,
  conversationId: Id,
  level: v.nullable(v.picklist(['all', 'mentions'])),
});
export type NotifyFrame = v.InferOutput<typeof NotifyFrame>;
