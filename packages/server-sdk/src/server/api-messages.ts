import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import {
  AttachmentSpec,
  ChangeFrame,
  ClientMsgId,
  ErrorCode,
  Id,
  ParleyError,
  SendData,
  type Attachment,
  type Change,
  type LogEvent,
  type MessageEvent,
  type UploadTarget,
} from '@parley/protocol';
import type { Attachments } from './attachments.js';
import type { StoredConversation, StoredMember } from '../store/types.js';
import type { ServerContext } from './context.js';
import { messageData } from './message-content.js';
import { changeOutcome, resolveTarget } from './message-changes.js';
import { appendMessageChange, eraseReplaced } from './handlers/change.js';
import { finishPendingChanges } from './system-events.js';
import { pushStoredEvent } from './reliable-push.js';
import { knownEvent } from './known-events.js';
import { hasContent } from './message-pages.js';

/** A message your backend sends: as a user, or as a bot or system id that need not be a member. */
export interface ApiSendInput {
  conversationId: string;
  senderId: string;
  text?: string;
  custom?: Record<string, unknown>;
  mentions?: string[];
  replyTo?: string;
  threadId?: string;
  /** Files `api.upload` gave slots for, uploaded by you, in the name of `senderId` (docs/media.md). */
  attachments?: string[];
  /** Your idempotency key (8–128 id characters): the same key from the same sender stores one message. Default: a fresh one. */
  clientMsgId?: string;
}

/** A change your backend makes to a message, in the name of `by` (any id: a moderator, a bot). */
export type ApiChangeInput = {
  conversationId: string;
  messageId: string;
  by: string;
  clientMsgId?: string;
} & ({ kind: 'edit'; text?: string; custom?: Record<string, unknown> } | { kind: 'delete' } | { kind: 'react'; key: string } | { kind: 'unreact'; key: string });

/** What a write through the API stored: the event (the original for a repeated key) and whether it was a repeat. */
export interface ApiWriteResult<E extends LogEvent = LogEvent> {
  event: E;
  duplicate: boolean;
}

export function parse<T>(schema: v.GenericSchema<unknown, T>, input: unknown, what: string): T {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.');
  throw new ParleyError(ErrorCode.BAD_FRAME, `${what}: ${path ? `${path}: ` : ''}${issue.message}`);
}

/** The conversation, or the NOT_FOUND every caller gets for a missing one. */
export async function requireConversation(ctx: ServerContext, conversationId: string): Promise<StoredConversation> {
  const conversation = await ctx.store.getConversation(parse(Id, conversationId, 'conversationId'));
  if (!conversation) throw new ParleyError(ErrorCode.NOT_FOUND, 'conversation not found');
  return conversation;
}

const apiClientMsgId = () => `api-${randomUUID()}`;

/**
 * SEND without a socket: the same checks of content (mentions of members, a reply or thread of
 * this conversation), the same append (seq, dedup by clientMsgId), the same queue (webhooks) and
 * the same push to every member connection on every node, the sender's included.
 */
export async function apiSend(ctx: ServerContext, input: ApiSendInput): Promise<ApiWriteResult<MessageEvent>> {
  const senderId = parse(Id, input.senderId, 'senderId');
  const clientMsgId = parse(ClientMsgId, input.clientMsgId ?? apiClientMsgId(), 'clientMsgId');
  const { conversationId: _c, senderId: _s, clientMsgId: _k, ...content } = input;
  const sendData = parse(SendData, content, 'send');
  const conversation = await requireConversation(ctx, input.conversationId);
  let stored: { event: LogEvent; duplicate: boolean };
  try {
    let data = await messageData(ctx.store, ctx.limits, conversation.id, sendData);
    if (sendData.attachments) data = { ...data, attachments: await requireAttachments(ctx).claim(conversation.id, senderId, clientMsgId, sendData.attachments) };
    stored = await ctx.store.append({ conversationId: conversation.id, senderId, clientMsgId, ts: ctx.now(), kind: 'message', data });
  } catch (err) {
    // A retry whose original is stored gets it, even if its content would be refused now.
    const original = await ctx.store.findEvent(conversation.id, senderId, clientMsgId);
    if (!original) throw err;
    stored = { event: original, duplicate: true };
  }
  if (stored.event.kind === 'message') await ctx.attachments?.attach(conversation.id, clientMsgId, stored.event.id, stored.event.data.attachments);
  await publish(ctx, conversation, stored, senderId);
  return { event: knownEvent(stored.event) as MessageEvent, duplicate: stored.duplicate };
}

/** CHANGE without a socket: your backend may edit or delete any message; the message's own rules hold. */
export async function apiChange(ctx: ServerContext, input: ApiChangeInput): Promise<ApiWriteResult> {
  const by = parse(Id, input.by, 'by');
  const clientMsgId = parse(ClientMsgId, input.clientMsgId ?? apiClientMsgId(), 'clientMsgId');
  const change = parse(ChangeFrame.entries.change, changeOf(input), 'change');
  const conversation = await requireConversation(ctx, input.conversationId);
  const frame: ChangeFrame = { type: 'change', conversationId: conversation.id, clientMsgId, target: { messageId: parse(Id, input.messageId, 'messageId') }, change };
  // As for a device's change (handlers/change.ts): what a failed call left half made first.
  await finishPendingChanges(ctx, conversation.id);
  const original = await ctx.store.findEvent(conversation.id, by, clientMsgId);
  let stored: { event: LogEvent; duplicate: boolean };
  if (original) stored = { event: original, duplicate: true };
  else {
    const target = await resolveTarget(ctx.store, conversation.id, by, frame.target);
    const changes = await ctx.store.readChanges(conversation.id, [target.seq], conversation.lastSeq);
    const member: StoredMember = (await ctx.store.getMember(conversation.id, by)) ?? { conversationId: conversation.id, userId: by, role: 'member', joinedAt: 0, deliveredSeq: 0, readSeq: 0, mutedUntil: null, notify: null };
    const outcome = changeOutcome(ctx, { conversation, member, target, changes, frame, trusted: true });
    stored = 'existing' in outcome
      ? { event: outcome.existing, duplicate: true }
      : await appendMessageChange(ctx, { conversationId: conversation.id, senderId: by, clientMsgId, ts: ctx.now(), ...outcome.append });
  }
  await eraseReplaced(ctx, stored.event);
  await publish(ctx, conversation, stored, by);
  return { event: knownEvent(stored.event), duplicate: stored.duplicate };
}

function changeOf(input: ApiChangeInput): Change {
  switch (input.kind) {
    case 'edit':
      return { kind: 'edit', ...(input.text !== undefined ? { text: input.text } : {}), ...(input.custom !== undefined ? { custom: input.custom as never } : {}) };
    case 'delete':
      return { kind: 'delete' };
    default:
      return { kind: input.kind, key: input.key };
  }
}

/** Queue (webhooks), then push to every member connection on every node; the author's devices too (they did not send it). */
async function publish(ctx: ServerContext, conversation: StoredConversation, stored: { event: LogEvent; duplicate: boolean }, author: string) {
  ctx.members.observe(stored.event);
  await ctx.storedEvents.stored([stored.event], stored.duplicate);
  // As for a client's repeat (ordered-append.ts): a message erased since is not pushed again.
  if (stored.duplicate && stored.event.kind === 'message' && !hasContent(stored.event)) return;
  await pushStoredEvent(ctx, conversation, { type: 'event', event: stored.event }, { alsoNotify: [author] });
}

/** The server's attachments, or FORBIDDEN when it takes no files. */
export function requireAttachments(ctx: ServerContext): Attachments {
  if (!ctx.attachments) throw new ParleyError(ErrorCode.FORBIDDEN, 'this server takes no files: pass `attachments` to createChatServer');
  return ctx.attachments;
}

/** A slot your backend uploads a file to, in the name of `as` (a member, or a bot that need not be one). */
export async function apiUpload(ctx: ServerContext, input: ApiUploadInput): Promise<{ attachment: Attachment; upload: UploadTarget }> {
  const uploader = parse(Id, input.as, 'as');
  const file = parse(AttachmentSpec, input.file, 'file');
  const conversation = await requireConversation(ctx, input.conversationId);
  return requireAttachments(ctx).upload(uploader, conversation.id, file);
}

/** What `api.upload` takes: the conversation, who uploads, and the file's name, exact size and type (and image fields). */
export interface ApiUploadInput {
  conversationId: string;
  as: string;
  file: AttachmentSpec;
}

