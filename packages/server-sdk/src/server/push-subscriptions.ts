import * as v from 'valibot';
import { ErrorCode, Id, ParleyError } from '@parley/protocol';
import type { MemberNotify, NotifyLevel, StoredMember, StoredUserSettings } from '../store/types.js';
import type { ServerContext } from './context.js';
import { parse } from './api-messages.js';

/** Base64url without padding, as browsers give `p256dh` and `auth`. */
const Base64Url = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+=*$/));

/** `PushSubscription.toJSON()` of a browser: what a device registers. */
export const PushSubscriptionJson = v.object({
  endpoint: v.pipe(v.string(), v.maxLength(2048), v.url()),
  expirationTime: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)))),
  keys: v.object({
    // An uncompressed P-256 point (65 bytes: 87 characters) and a 16-byte secret (22).
    p256dh: v.pipe(Base64Url, v.minLength(86), v.maxLength(90)),
    auth: v.pipe(Base64Url, v.minLength(21), v.maxLength(26)),
  }),
});
export type PushSubscriptionJson = v.InferOutput<typeof PushSubscriptionJson>;

const NotifyLevelSchema = v.picklist(['all', 'mentions', 'none']);
const MemberNotifySchema = v.nullable(v.picklist(['all', 'mentions']));

/**
 * Registers (or renews) the Web Push subscription of one device of a user: the subscription is
 * checked (a URL of a push service the server may POST to, keys of the right size) and replaces
 * the device's previous one. Bad input: BAD_FRAME, nothing stored; a server without Web Push:
 * FORBIDDEN.
 *
 * @example
 * // a protocol handler, or your own endpoint: the browser's `subscription.toJSON()`
 * await registerPushSubscription(ctx, conn.userId, conn.deviceId, frame.subscription);
 */
export async function registerPushSubscription(ctx: ServerContext, userId: string, deviceId: string, subscription: unknown): Promise<void> {
  const webPush = ctx.notifications?.webPush;
  if (!webPush) throw new ParleyError(ErrorCode.FORBIDDEN, 'this server sends no Web Push: configure notifications.webPush');
  const user = parse(Id, userId, 'userId');
  const device = parse(Id, deviceId, 'deviceId');
  const input = parse(PushSubscriptionJson, subscription, 'subscription');
  if (!webPush.allowEndpoint(new URL(input.endpoint))) {
    throw new ParleyError(ErrorCode.BAD_FRAME, 'subscription: endpoint is not a push service this server sends to');
  }
  await ctx.store.savePushSubscription({
    userId: user,
    deviceId: device,
    endpoint: input.endpoint,
    keys: { p256dh: input.keys.p256dh, auth: input.keys.auth },
    expirationTime: input.expirationTime ?? null,
    createdAt: ctx.now(),
  });
}

/** Forgets the Web Push subscription of one device (the user logged out there, or turned notifications off); idempotent. */
export async function unregisterPushSubscription(ctx: ServerContext, userId: string, deviceId: string): Promise<void> {
  await ctx.store.removePushSubscription({ userId: parse(Id, userId, 'userId'), deviceId: parse(Id, deviceId, 'deviceId') });
}

/** The VAPID public key browsers subscribe with (`applicationServerKey`), or null without Web Push: what `welcome` tells clients. */
export function vapidPublicKey(ctx: ServerContext): string | null {
  return ctx.notifications?.webPush?.publicKey ?? null;
}

/** Sets what a user is notified of by default: `all`, `mentions` or `none`. Returns their settings after. */
export async function setNotifyLevel(ctx: ServerContext, userId: string, level: NotifyLevel): Promise<StoredUserSettings> {
  return ctx.store.updateUserSettings(parse(Id, userId, 'userId'), { notify: parse(NotifyLevelSchema, level, 'notify') });
}

/**
 * Sets what a member is notified of in one conversation (`all`, `mentions`, or null: their
 * default). NOT_FOUND for a conversation they are not in, as everywhere.
 */
export async function setConversationNotify(ctx: ServerContext, userId: string, conversationId: string, notify: MemberNotify): Promise<StoredMember> {
  const member = await ctx.store.setMemberNotify(parse(Id, conversationId, 'conversationId'), parse(Id, userId, 'userId'), parse(MemberNotifySchema, notify, 'notify'));
  if (!member) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  return member;
}

/** `chat.notifications`: the same calls for your backend (an endpoint of your own before clients can register themselves). */
export interface ChatNotifications {
  /** The VAPID public key browsers subscribe with, or null without Web Push. */
  readonly vapidPublicKey: string | null;
  /** See `registerPushSubscription`. */
  registerPush(userId: string, deviceId: string, subscription: unknown): Promise<void>;
  unregisterPush(userId: string, deviceId: string): Promise<void>;
  /** A user's default: `all`, `mentions` or `none`. */
  setNotifyLevel(userId: string, level: NotifyLevel): Promise<StoredUserSettings>;
  /** A member's own choice in one conversation (null: their default). */
  setConversationNotify(userId: string, conversationId: string, notify: MemberNotify): Promise<StoredMember>;
}

export function chatNotifications(ctx: ServerContext): ChatNotifications {
  return {
    vapidPublicKey: vapidPublicKey(ctx),
    registerPush: (userId, deviceId, subscription) => registerPushSubscription(ctx, userId, deviceId, subscription),
    unregisterPush: (userId, deviceId) => unregisterPushSubscription(ctx, userId, deviceId),
    setNotifyLevel: (userId, level) => setNotifyLevel(ctx, userId, level),
    setConversationNotify: (userId, conversationId, notify) => setConversationNotify(ctx, userId, conversationId, notify),
  };
}
