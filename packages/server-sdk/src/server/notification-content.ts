import { createHash } from 'node:crypto';
import type { LogEvent } from '@parley/protocol';
import type { StoredConversation, StoredMember, StoredNotification } from '../store/types.js';
import type { ServerContext } from './context.js';

/**
 * One collapsed notification, as each channel gets it: the Web Push payload (JSON) and the
 * argument of the `notify` hook. Who and where always; what was said only with `previews`.
 */
export interface ParleyNotification {
  /** Idempotency key: the same for every attempt at the same content (user, conversation, last seq). */
  id: string;
  /** Collapse key: one per conversation, so a newer notification replaces the shown one. */
  tag: string;
  /** The recipient. */
  userId: string;
  conversationId: string;
  conversationKind: StoredConversation['kind'];
  /** The seq of the newest message it covers: open the conversation there. */
  seq: number;
  /** Messages this notification collapses. */
  messages: number;
  /** Unread messages in the conversation. */
  count: number;
  /** The user's unread messages over their most recently active conversations (an app icon badge). */
  badge: number;
  /** Who wrote, newest first (at most five): their names from the app's `users` directory, else their ids. */
  senders: Array<{ id: string; name: string }>;
  /** One of its messages mentions the user. */
  mentioned: boolean;
  /** Ready to show: the conversation (a group's title, or the sender of a direct one)… */
  title: string;
  /** …and what happened since the last one: "3 new messages from Alice", or with previews "Alice: see you at 8". */
  body: string;
  /** With `previews`: the newest message's text (cut at 1000 characters), when it has one. */
  text?: string;
  /** When it was made (ms). */
  createdAt: number;
}

/** Conversations the badge adds up, newest activity first: its cost stays the same however many a user has. */
export const BADGE_CONVERSATIONS = 50;
const BODY_CHARS = 200;
const TEXT_CHARS = 1000;

/** The idempotency key of a notification: the same for the same (user, conversation, last seq). */
export function notificationKey(userId: string, conversationId: string, lastSeq: number): string {
  return createHash('sha256').update(`${userId}\n${conversationId}\n${lastSeq}`).digest('base64url').slice(0, 22);
}

/** A Web Push `Topic` (at most 32 URL-safe base64 characters): one per conversation, so the push service keeps only the newest undelivered one. */
export function pushTopic(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('base64url').slice(0, 32);
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** "Alice", "Alice and Bob", "Alice, Bob and 3 others". */
function namesOf(names: readonly string[], total: number): string {
  if (names.length === 0) return 'someone';
  if (total <= 1) return names[0]!;
  if (total === 2 && names.length >= 2) return `${names[0]} and ${names[1]}`;
  return `${names[0]}, ${names[1] ?? 'someone'} and ${total - 2} other${total - 2 === 1 ? '' : 's'}`;
}

/** What the newest message says, for previews: its text, or what it carries; null when it is gone. */
function previewOf(event: LogEvent | undefined): string | null {
  if (!event || event.kind !== 'message') return null;
  const { text, attachments } = event.data;
  if (text !== undefined && text.trim() !== '') return text;
  if (attachments && attachments.length > 0) {
    const images = attachments.every((a) => a.mimeType.startsWith('image/'));
    return attachments.length === 1 ? (images ? 'sent a photo' : 'sent a file') : `sent ${attachments.length} ${images ? 'photos' : 'files'}`;
  }
  return null;
}

/** The user's unread messages over their `BADGE_CONVERSATIONS` most recently active, unmuted conversations. */
async function badgeOf(ctx: ServerContext, userId: string, now: number): Promise<number> {
  const rows = await ctx.store.listMemberships(userId, { limit: BADGE_CONVERSATIONS });
  const counts = await Promise.all(
    rows
      .filter(({ conversation, member }) => conversation.lastSeq > member.readSeq && !(member.mutedUntil !== null && member.mutedUntil > now))
      .map(({ conversation, member }) => ctx.store.countUnread(conversation.id, userId, member.readSeq)),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

/** Names from the app's directory (its ids when it has none, or fails: a notification never waits on it). */
async function namesFor(ctx: ServerContext, ids: readonly string[], requester: string): Promise<Map<string, string>> {
  const names = new Map(ids.map((id) => [id, id]));
  try {
    for (const profile of await ctx.people.profiles.resolve(ids, requester)) if (profile.name) names.set(profile.id, profile.name);
  } catch (err) {
    ctx.logger.warn('notifications: the users directory failed; sending ids instead of names', { err });
  }
  return names;
}

/** Builds the one notification of a claimed row, as the user's unread state stands now. */
export async function buildNotification(
  ctx: ServerContext,
  input: { row: StoredNotification; member: StoredMember; conversation: StoredConversation; previews: boolean; now: number },
): Promise<ParleyNotification> {
  const { row, member, conversation, previews, now } = input;
  const [count, badge, names, newest] = await Promise.all([
    ctx.store.countUnread(conversation.id, row.userId, member.readSeq),
    badgeOf(ctx, row.userId, now),
    namesFor(ctx, row.senders, row.userId),
    previews ? ctx.store.readAfter(conversation.id, row.lastSeq - 1, 1) : Promise.resolve([]),
  ]);
  const senders = row.senders.map((id) => ({ id, name: names.get(id) ?? id }));
  const direct = conversation.kind === 'direct';
  const newestSender = senders[0]?.name ?? 'someone';
  const title = cut(direct ? newestSender : (conversation.title ?? 'New messages'), BODY_CHARS);
  // What this notification adds to the ones before: the messages it collapses.
  const shown = row.messages;
  const preview = previews ? previewOf(newest[0]) : null;
  let body: string;
  if (preview !== null) body = direct ? preview : `${newestSender}: ${preview}`;
  else if (row.mentioned && shown === 1) body = `${newestSender} mentioned you`;
  else if (direct) body = shown === 1 ? 'New message' : `${shown} new messages`;
  else body = `${shown === 1 ? 'New message' : `${shown} new messages`} from ${namesOf(senders.map((s) => s.name), senders.length)}`;
  const text = preview !== null && newest[0]?.kind === 'message' ? newest[0].data.text : undefined;
  return {
    id: notificationKey(row.userId, conversation.id, row.lastSeq),
    tag: `parley:${conversation.id}`,
    userId: row.userId,
    conversationId: conversation.id,
    conversationKind: conversation.kind,
    seq: row.lastSeq,
    messages: row.messages,
    count,
    badge,
    senders,
    mentioned: row.mentioned,
    title,
    body: cut(body, BODY_CHARS),
    ...(text !== undefined && text !== '' ? { text: cut(text, TEXT_CHARS) } : {}),
    createdAt: now,
  };
}
