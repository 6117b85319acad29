import * as v from 'valibot';
import { CustomData, ErrorCode, Limits, ParleyError, SendData, isWellFormedText } from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import { replyDraft, type EntryContent } from '../state/message-content.js';
import type { SendLimits } from './client-rules.js';
import { checkFiles, type CheckedFile } from '../files/file-input.js';

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
/**
 * An app's own clientMsgId must be a lowercase UUIDv7: the outbox replays unsent messages in id
 * order, which is creation order only for time-ordered ids (the device's order guarantee rests on it).
 */
const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CONTENT_KEYS = new Set(['text', 'custom']);

const bad = (message: string) => new ParleyError(ErrorCode.BAD_FRAME, message);
const isId = (value: unknown): value is string => typeof value === 'string' && value.length <= Limits.maxIdLength && ID_PATTERN.test(value);
const count = (n: number) => n.toLocaleString('en-US');
const sendLimitsDefault: SendLimits = {
  maxTextLength: Limits.maxTextLength,
  maxCustomBytes: Limits.maxCustomBytes,
  maxMentions: Limits.maxMentions,
  maxAttachmentsPerMessage: Limits.maxAttachmentsPerMessage,
  maxAttachmentBytes: Limits.maxAttachmentBytes,
  maxFileNameLength: Limits.maxFileNameLength,
  maxPreviewLength: Limits.maxPreviewLength,
};

/** What `send()` was asked to send, checked: the SEND frame's `data` but its files (uploaded first). */
export type CheckedSend = Omit<SendData, 'attachments'>;

function checkText(text: unknown, maxTextLength: number): void {
  if (typeof text !== 'string') throw bad('A message must be text');
  if (text.length === 0) throw bad("A message can't be empty");
  if (text.length > maxTextLength) throw bad(`A message can be at most ${count(maxTextLength)} characters (this one has ${count(text.length)})`);
  if (!isWellFormedText(text)) throw bad("A message can't contain a broken character (a lone UTF-16 surrogate)");
}

function checkCustom(custom: unknown, maxBytes: number): void {
  const bytes = new TextEncoder().encode(JSON.stringify(custom) ?? '').length;
  if (bytes > maxBytes) throw bad(`Custom data can be at most ${count(maxBytes)} bytes of JSON (this has ${count(bytes)})`);
  const parsed = v.safeParse(CustomData, custom);
  if (!parsed.success) throw bad(`Custom data ${parsed.issues[0]?.message ?? 'must be a plain JSON object'}`);
}

function checkMentions(mentions: unknown, max: number): void {
  if (!Array.isArray(mentions) || !mentions.every(isId)) throw bad('Mentions must be a list of user ids');
  if (mentions.length > max) throw bad(`A message can mention at most ${max} users (this one mentions ${mentions.length})`);
  if (new Set(mentions).size !== mentions.length) throw bad('A message can mention each user once');
}

/**
 * A message's content as `send()` and `edit()` take it (the text, or `{ text?, custom? }`),
 * checked: at least one of the two, each within the limits. The values are the caller's own.
 */
export function checkContent(
  content: unknown,
  limits: Pick<SendLimits, 'maxTextLength' | 'maxCustomBytes'> = Limits,
  options: { hasFiles?: boolean } = {},
): { text?: string; custom?: unknown } {
  const said = typeof content === 'string' ? { text: content } : content;
  if (typeof said !== 'object' || said === null || Array.isArray(said)) throw bad('A message must be text, or { text, custom }');
  const unknownKey = Object.keys(said).find((key) => !CONTENT_KEYS.has(key));
  if (unknownKey === 'attachments') throw bad("An edit can't change a message's files");
  if (unknownKey !== undefined) throw bad(`A message has text and custom only (not ${JSON.stringify(unknownKey)})`);
  const { text, custom } = said as { text?: unknown; custom?: unknown };
  // Files alone make a message; without them, text or custom data must.
  if (text === undefined && custom === undefined && !options.hasFiles) throw bad("A message can't be empty");
  if (text !== undefined) checkText(text, limits.maxTextLength);
  if (custom !== undefined) checkCustom(custom, limits.maxCustomBytes);
  return { ...(text !== undefined ? { text: text as string } : {}), ...(custom !== undefined ? { custom } : {}) };
}

/** The files of a `send()`'s content (`attachments`), and the rest of it. */
function splitFiles(content: unknown, limits: SendLimits): { rest: unknown; files: CheckedFile[] } {
  if (typeof content !== 'object' || content === null || Array.isArray(content) || !('attachments' in content)) return { rest: content, files: [] };
  const { attachments, ...rest } = content as { attachments?: unknown };
  return { rest, files: attachments === undefined ? [] : checkFiles(attachments, limits) };
}

/**
 * What `send()` accepts, checked the way the server will check it, each failure a BAD_FRAME
 * `ParleyError` whose message a user can read (shown as is by the example chat). `content` is the
 * text, or `{ text?, custom?, attachments? }`; `options` may add `mentions` and `replyTo`;
 * `limits` are the server's (`sendLimits`). The files are checked, not read yet.
 */
export function validateSend(
  conversationId: unknown,
  clientMsgId: unknown,
  content: unknown,
  options: { replyTo?: unknown; mentions?: unknown; threadId?: unknown } = {},
  limits: SendLimits = sendLimitsDefault,
): { data: CheckedSend; files: CheckedFile[] } {
  if (!isId(conversationId)) throw bad("That conversation id isn't valid");
  const { rest, files } = splitFiles(content, limits);
  const { text, custom } = checkContent(rest, limits, { hasFiles: files.length > 0 });
  const { mentions, replyTo, threadId } = options;
  if (mentions !== undefined) checkMentions(mentions, limits.maxMentions);
  if (replyTo !== undefined && !isId(replyTo)) throw bad("That reply's message id isn't valid");
  if (threadId !== undefined && !isId(threadId)) throw bad("That thread's message id isn't valid");
  if (typeof clientMsgId !== 'string' || !UUIDV7.test(clientMsgId)) {
    throw bad('clientMsgId must be a lowercase UUIDv7 (e.g. from uuidv7()): unsent messages go out in id order');
  }
  const data = {
    ...(text !== undefined ? { text } : {}),
    // A copy: the app may change its object later; the queued message must not change with it.
    ...(custom !== undefined ? { custom: JSON.parse(JSON.stringify(custom)) as unknown } : {}),
    // No mentions and an empty list mean the same: the empty list is not sent.
    ...(Array.isArray(mentions) && mentions.length > 0 ? { mentions: [...(mentions as string[])] } : {}),
    ...(replyTo !== undefined ? { replyTo } : {}),
    ...(threadId !== undefined ? { threadId } : {}),
  };
  // The protocol stays the final word, should it grow a rule the checks above do not know (the
  // files stand in by placeholder ids: their own come with their upload slots).
  const placeholders = files.length > 0 ? { attachments: files.map((_, i) => `file-${i}`) } : {};
  const parsed = v.safeParse(SendData, { ...data, ...placeholders });
  if (!parsed.success) throw bad(parsed.issues[0]?.message ?? 'That message is not valid');
  const { attachments: _placeholders, ...checked } = parsed.output;
  return { data: checked, files };
}

/** The outbox entry's content for a checked send (files apart): a reply keeps what the client knows of its quote. */
export function entryContent(state: Pick<ChatState, 'conversations'>, conversationId: string, data: CheckedSend): EntryContent {
  const { replyTo, ...rest } = data;
  if (replyTo === undefined) return rest;
  return { ...rest, replyTo: replyDraft(state.conversations.get(conversationId), replyTo) };
}
