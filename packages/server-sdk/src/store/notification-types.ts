/** What one user asked to be notified of: everything, messages that mention them, or nothing. */
export type NotifyLevel = 'all' | 'mentions' | 'none';

/** A member's own choice for one conversation; null follows their `StoredUserSettings.notify`. */
export type MemberNotify = 'all' | 'mentions' | null;

/** One stored message one recipient may be notified of (`enqueueNotifications`). */
export interface NotificationItem {
  userId: string;
  conversationId: string;
  /** The message's seq. */
  seq: number;
  senderId: string;
  /** The message mentions `userId`. */
  mentioned: boolean;
  /** Earliest time to notify of it (ms): at once for a user with no live connection, later for one with. */
  dueAt: number;
}

/**
 * The pending notification of one user in one conversation: every message queued for them there
 * and not yet notified of, collapsed. Its `id` is opaque and stays the row's while it exists.
 */
export interface StoredNotification {
  id: string;
  userId: string;
  conversationId: string;
  /** The lowest and highest seq of the messages it holds. */
  firstSeq: number;
  lastSeq: number;
  /** How many messages it holds. */
  messages: number;
  /** The distinct senders of its newest messages, newest first, at most `NOTIFICATION_SENDERS`. */
  senders: string[];
  /** One of its messages mentions the user. */
  mentioned: boolean;
  /** The earliest `dueAt` of its messages: when it was first due. */
  dueAt: number;
  /** When it may be claimed next: `dueAt`, or the retry time after a failed attempt. */
  nextAttemptAt: number;
  /** Claims so far (each claim is an attempt); back to 0 when a newer part stays pending after a completion. */
  attempts: number;
  /** While claimed: until when the claimer holds it (ms); 0 when free. */
  leaseUntil: number;
  /** The current claim's token, null when unclaimed: only its holder may complete, retry or drop. */
  claimToken: string | null;
  /** The last failure, null if none yet. */
  lastError: string | null;
  createdAt: number;
}

/** Senders a notification remembers (`StoredNotification.senders`): enough for "Alice, Bob and 3 others". */
export const NOTIFICATION_SENDERS = 5;

/**
 * Pending notifications, kept in the store so that a SIGKILL loses none: the server enqueues
 * before a message's ACK, and a row stays until its claimer completed or dropped it. One row per
 * (user, conversation) collects every message queued for that user there (collapsing: three
 * messages make one notification). Nodes share the queue: a row is claimed by one at a time (a
 * lease), and a node that stops mid-send leaves a lease that runs out, so another sends it.
 */
export interface NotificationQueue {
  /**
   * Adds each item to the row of its (user, conversation), making the row if there is none
   * (`createdAt = now`). A row keeps the earliest `dueAt` of its items (a stream of messages never
   * postpones it) and, unless it is claimed or waiting for a retry, is due again at that time.
   * Idempotent: an item whose (user, conversation, seq) the row holds already changes nothing,
   * also within one call. Items may come in any seq order (appends on several nodes). Resolves
   * once they are as durable as an append.
   */
  enqueueNotifications(items: readonly NotificationItem[], now: number): Promise<void>;
  /**
   * Claims up to `limit` rows due at `now` (`nextAttemptAt ≤ now`) and not leased (`leaseUntil ≤
   * now`), earliest `nextAttemptAt` first: each gets `leaseUntil = now + leaseMs`, a fresh
   * `claimToken` and `attempts + 1`, and is returned so, with what it holds at the claim.
   * Concurrent claimers (other processes included) never get the same row while its lease holds;
   * once it ran out, the row is claimable again (its claimer was killed). `limit ≤ 0` claims nothing.
   */
  claimDueNotifications(now: number, limit: number, leaseMs: number): Promise<StoredNotification[]>;
  /**
   * The claim's messages up to `throughSeq` are done (sent, or not to be sent). Messages queued
   * after the claim with a higher seq stay pending as the row: attempts 0, no lease, due at their
   * earliest `dueAt`; with none the row is gone. Only the current claim's token counts: another
   * gets false and changes nothing.
   */
  completeNotification(id: string, claimToken: string, throughSeq: number): Promise<boolean>;
  /** Ends a claim that failed: pending again, due at `nextAttemptAt`, with `lastError`; no lease. False for a token that is not current. */
  retryNotification(id: string, claimToken: string, nextAttemptAt: number, error: string): Promise<boolean>;
  /** Removes the row and every message it holds, newer ones too (the user left the conversation). False for a token that is not current. */
  dropNotification(id: string, claimToken: string): Promise<boolean>;
  /** Pending rows, of one user when given, by (user, conversation), at most `limit`: for operators and tests. */
  listNotifications(filter: { userId?: string; limit: number }): Promise<StoredNotification[]>;
}

/** A browser's Web Push subscription (`PushSubscription.toJSON()`), as a device registered it. */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** When the browser says the subscription ends (ms), or null. */
  expirationTime?: number | null;
}

/** A Web Push subscription of one device of one user. */
export interface StoredPushSubscription extends PushSubscriptionInput {
  userId: string;
  deviceId: string;
  expirationTime: number | null;
  createdAt: number;
}

/** Where each device's Web Push subscription is kept. */
export interface PushSubscriptionStore {
  /**
   * Saves the subscription of (user, device), replacing the device's previous one. An endpoint
   * belongs to one device: saving it removes it from any other (a browser whose next user logged
   * in registers the same endpoint).
   */
  savePushSubscription(subscription: StoredPushSubscription): Promise<void>;
  /** Removes by endpoint (the push service answered 404 or 410), or the one of (user, device). Returns how many went. */
  removePushSubscription(which: { endpoint: string } | { userId: string; deviceId: string }): Promise<number>;
  /** A user's subscriptions, by device id. */
  listPushSubscriptions(userId: string): Promise<StoredPushSubscription[]>;
}
