import type { MessageView } from '@parley/client-sdk';
import { filesLabel } from './file-kinds.js';

/** What a message without text shows: its app data is for the app, not for people. */
export const APP_DATA_LABEL = '[app data]';

/** What a deleted message shows in place of its content (which is gone everywhere). */
export const DELETED_LABEL = 'Message deleted';

/**
 * A message in one line: its text, else what its files are ("Photo", "report.pdf", "3 files"),
 * else the app-data label when it carries only `custom`.
 */
export function previewOf(message: Pick<MessageView, 'text' | 'custom' | 'attachments'> & { deleted?: boolean }): string {
  if (message.deleted) return DELETED_LABEL;
  if (message.text) return message.text;
  if (message.attachments && message.attachments.length > 0) return filesLabel(message.attachments);
  return message.text ?? (message.custom ? APP_DATA_LABEL : '');
}

/** The first top-level keys of app data, enough to tell two kinds of card apart. */
export function customKeysOf(custom: Readonly<Record<string, unknown>>, max = 5): string {
  const keys = Object.keys(custom);
  return keys.length > max ? `${keys.slice(0, max).join(', ')}, …` : keys.join(', ');
}

/**
 * Characters that continue a user id: a mention of `bob` must not light up inside `@bobby`.
 * A trailing `.` or `:` ends a sentence more often than it continues a name, so they end it here.
 */
const ID_CHAR = /[A-Za-z0-9_@-]/;

export type Segment = { text: string; mention?: string };

/**
 * Splits text into plain runs and `@id` runs for the ids a message mentions (longest id first, so
 * `@bob-10` is never read as `@bob-1`). Only ids the message really mentions are highlighted:
 * an `@name` typed by hand is plain text.
 */
export function splitMentions(text: string, mentions: readonly string[] | undefined): Segment[] {
  if (!mentions || mentions.length === 0) return [{ text }];
  const ids = [...mentions].sort((a, b) => b.length - a.length);
  const segments: Segment[] = [];
  let plain = '';
  for (let i = 0; i < text.length; ) {
    const id = text[i] === '@' && (i === 0 || /\s|\(/.test(text[i - 1]!)) ? ids.find((candidate) => isMentionAt(text, i, candidate)) : undefined;
    if (id === undefined) {
      plain += text[i];
      i += 1;
      continue;
    }
    if (plain) segments.push({ text: plain });
    plain = '';
    segments.push({ text: `@${id}`, mention: id });
    i += id.length + 1;
  }
  if (plain) segments.push({ text: plain });
  return segments;
}

function isMentionAt(text: string, at: number, id: string): boolean {
  if (text.slice(at + 1, at + 1 + id.length).toLowerCase() !== id.toLowerCase()) return false;
  const next = text[at + 1 + id.length];
  return next === undefined || !ID_CHAR.test(next);
}

/** The picked users whose `@id` is still in the text: deleting the name takes the mention back. */
export function mentionsIn(text: string, picked: readonly string[]): string[] {
  return picked.filter((id) => splitMentions(text, [id]).some((segment) => segment.mention === id));
}

/** The `@query` the caret is in (an `@` at a word start, no space since), or null. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s|\()@([^\s@]*)$/.exec(before);
  if (!match) return null;
  const query = match[2]!;
  return { start: caret - query.length - 1, query };
}

/**
 * Members matching a query, by id or by display name (`nameOf`): those starting with it first,
 * then those containing it.
 */
export function mentionCandidates(members: readonly string[], query: string, max = 8, nameOf: (id: string) => string = (id) => id): string[] {
  const q = query.toLowerCase();
  const starts = members.filter((id) => id.toLowerCase().startsWith(q) || nameOf(id).toLowerCase().startsWith(q));
  const contains = members.filter((id) => !starts.includes(id) && (id.toLowerCase().includes(q) || nameOf(id).toLowerCase().includes(q)));
  return [...starts, ...contains].slice(0, max);
}
