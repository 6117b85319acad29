import { randomUUID } from 'node:crypto';
import { NOTIFICATION_SENDERS, type NotificationItem, type StoredNotification } from './notification-types.js';

/** A row's id: its (user, conversation), which no id can mix up (ids hold no newline). */
export function notificationId(userId: string, conversationId: string): string {
  return `${userId}\n${conversationId}`;
}

/** A claim's token: unguessable, so that only the claimer that got it can end the claim. */
export function newNotificationToken(): string {
  return randomUUID();
}

/** The scheduling part of a row; the rest is folded from its items (`foldItems`). */
export type NotificationRowState = Pick<
  StoredNotification,
  'id' | 'userId' | 'conversationId' | 'nextAttemptAt' | 'attempts' | 'leaseUntil' | 'claimToken' | 'lastError' | 'createdAt'
>;

/** What a row's items say: its seqs, senders, mention and first due time. Items must be non-empty. */
export function foldItems(items: Iterable<Pick<NotificationItem, 'seq' | 'senderId' | 'mentioned' | 'dueAt'>>) {
  const sorted = [...items].sort((a, b) => b.seq - a.seq);
  const senders: string[] = [];
  for (const item of sorted) {
    if (senders.length >= NOTIFICATION_SENDERS) break;
    if (!senders.includes(item.senderId)) senders.push(item.senderId);
  }
  return {
    firstSeq: sorted.at(-1)!.seq,
    lastSeq: sorted[0]!.seq,
    messages: sorted.length,
    senders,
    mentioned: sorted.some((item) => item.mentioned),
    dueAt: Math.min(...sorted.map((item) => item.dueAt)),
  };
}

/** A row as the contract shows it: its state and its items' fold. */
export function storedNotification(row: NotificationRowState, items: Iterable<Pick<NotificationItem, 'seq' | 'senderId' | 'mentioned' | 'dueAt'>>): StoredNotification {
  const { id, userId, conversationId, nextAttemptAt, attempts, leaseUntil, claimToken, lastError, createdAt } = row;
  return { id, userId, conversationId, ...foldItems(items), nextAttemptAt, attempts, leaseUntil, claimToken, lastError, createdAt };
}

/** The claim order: earliest due first, then id (so every store agrees on ties). */
export function byNextAttempt(a: Pick<StoredNotification, 'nextAttemptAt' | 'id'>, b: Pick<StoredNotification, 'nextAttemptAt' | 'id'>): number {
  return a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The list order: by user, then conversation. */
export function byRecipient(a: Pick<StoredNotification, 'userId' | 'conversationId'>, b: Pick<StoredNotification, 'userId' | 'conversationId'>): number {
  const x = `${a.userId}\n${a.conversationId}`;
  const y = `${b.userId}\n${b.conversationId}`;
  return x < y ? -1 : x > y ? 1 : 0;
}
