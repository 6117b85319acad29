import type { ConversationView } from '@parley/client-sdk';

/** The other members of a conversation, as seen by `me`. */
export function othersIn(conversation: ConversationView, me: string): string[] {
  return conversation.members.filter((id) => id !== me);
}

/** A group's title, or the other people's names (`nameOf`: profiles, else ids). */
export function titleOf(conversation: ConversationView, me: string, nameOf: (userId: string) => string = (id) => id): string {
  if (conversation.title) return conversation.title;
  const others = othersIn(conversation, me);
  return others.length > 0 ? others.map(nameOf).join(', ') : 'Just you';
}

/** "30 s", "1 min", "5 min": a slow mode's interval as people say it. */
export function intervalOf(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

export function initialOf(name: string): string {
  return name.slice(0, 1).toUpperCase();
}

/** A stable hue per name, so each person keeps their colour. */
export function hueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return hash;
}

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

export function clockOf(ts: number): string {
  return time.format(ts);
}

export function whenOf(ts: number): string {
  return new Date(ts).toDateString() === new Date().toDateString() ? time.format(ts) : day.format(ts);
}

export function lastSeenOf(ts: number | null): string {
  if (ts === null) return 'offline';
  const minutes = Math.round((Date.now() - ts) / 60_000);
  if (minutes < 1) return 'last seen just now';
  if (minutes < 60) return `last seen ${minutes} min ago`;
  return `last seen ${whenOf(ts)}`;
}
