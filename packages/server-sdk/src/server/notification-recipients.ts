import type { LogEvent } from '@parley/protocol';
import type { NotificationItem, StoredMember, StoredUserSettings } from '../store/types.js';
import { mentionedReaders } from '../store/store-helpers.js';
import type { ServerContext } from './context.js';

/** What a member asked to hear of in this conversation: their own choice there, else their default. */
export function notifyLevelOf(member: StoredMember, settings: StoredUserSettings | undefined): StoredUserSettings['notify'] {
  return member.notify ?? settings?.notify ?? 'all';
}

/** Muted at `now` (a mute with no end is a date far ahead). */
export function isMuted(member: StoredMember, now: number): boolean {
  return member.mutedUntil !== null && member.mutedUntil > now;
}

/**
 * Who may be notified of a stored message, and when: every member but its sender, except those
 * who muted the conversation, who block the sender or are blocked by them, who asked for nothing
 * (`notify: 'none'`), or for mentions only when it does not mention them. A member with a live
 * connection on any node is due after `delayMs` (by then a device of theirs may have received it,
 * which cancels the notification); one without is due at once.
 */
export async function notificationItemsOf(ctx: ServerContext, event: LogEvent, delayMs: number, now: number): Promise<NotificationItem[]> {
  if (event.kind !== 'message') return [];
  const members = (await ctx.store.listMembers(event.conversationId)).filter((m) => m.userId !== event.senderId && !isMuted(m, now));
  if (members.length === 0) return [];
  const ids = members.map((m) => m.userId);
  const [settings, blocked, online] = await Promise.all([
    ctx.store.getUserSettings(ids),
    ctx.store.blockedBetween(event.senderId, ids),
    ctx.presence.online(ids).catch((err: unknown) => {
      // Without presence, everyone waits the delay: a device that received it still cancels it.
      ctx.logger.warn('notifications: presence could not be read; every recipient waits the delay', { err });
      return new Set(ids);
    }),
  ]);
  const blocks = new Set(blocked);
  const mentioned = new Set(mentionedReaders(event));
  const items: NotificationItem[] = [];
  for (const member of members) {
    if (blocks.has(member.userId)) continue;
    const level = notifyLevelOf(member, settings.get(member.userId));
    if (level === 'none' || (level === 'mentions' && !mentioned.has(member.userId))) continue;
    items.push({
      userId: member.userId,
      conversationId: event.conversationId,
      seq: event.seq,
      senderId: event.senderId,
      mentioned: mentioned.has(member.userId),
      dueAt: online.has(member.userId) ? now + delayMs : now,
    });
  }
  return items;
}
