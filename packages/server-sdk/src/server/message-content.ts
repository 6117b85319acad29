import { ErrorCode, Limits, messageAsOf, ParleyError, replyPreview, type LimitsShape, type MessageData, type MessageRef, type ReplyRef, type SendData } from '@parley/protocol';
import type { ChatStore } from '../store/types.js';
import { STORED_SO_FAR } from './message-pages.js';

/**
 * What a SEND's content becomes in the log. The schema already checked its shape (text or
 * custom, plain JSON within `maxCustomBytes`, at most `maxMentions` distinct ids); what needs the
 * store is checked here: every mentioned user is a member, and `replyTo` names a message of this
 * conversation, which the stored message then quotes. Throws a typed refusal otherwise, before
 * anything is written.
 */
export async function messageData(store: ChatStore, limits: LimitsShape, conversationId: string, data: SendData): Promise<MessageData> {
  checkDeploymentLimits(limits, data);
  const [replyTo, thread] = await Promise.all([
    data.replyTo === undefined ? Promise.resolve(undefined) : replyRef(store, conversationId, data.replyTo),
    data.threadId === undefined ? Promise.resolve(undefined) : threadRef(store, conversationId, data.threadId),
    data.mentions === undefined ? Promise.resolve() : requireMembers(store, conversationId, data.mentions),
  ]);
  return {
    ...(data.text !== undefined ? { text: data.text } : {}),
    ...(data.custom !== undefined ? { custom: data.custom } : {}),
    ...(data.mentions !== undefined ? { mentions: data.mentions } : {}),
    ...(replyTo !== undefined ? { replyTo } : {}),
    ...(thread !== undefined ? { thread } : {}),
  };
}

/**
 * The root a thread reply hangs under: a top-level message of this conversation (threads are one
 * level deep). Anything else is the same NOT_FOUND as a message that never existed. A deleted
 * root keeps its thread (its replies stay readable), so replying to it is allowed.
 */
async function threadRef(store: ChatStore, conversationId: string, messageId: string): Promise<MessageRef> {
  const root = await store.getEvent(conversationId, messageId);
  if (!root || root.kind !== 'message' || root.conversationId !== conversationId || root.data.thread !== undefined) {
    throw new ParleyError(ErrorCode.NOT_FOUND, 'the thread was not found in this conversation');
  }
  return { messageId: root.id, seq: root.seq };
}

const tooBig = (what: string, max: number) => new ParleyError(ErrorCode.BAD_FRAME, `${what} exceeds this server's limit of ${max}`);

/**
 * The schema holds the protocol's limits; a deployment may lower them (`createChatServer({
 * limits })`, announced in `welcome.limits`), and a client that ignores them is refused the same way.
 */
export function checkDeploymentLimits(limits: LimitsShape, data: Pick<SendData, 'text' | 'custom' | 'mentions'>): void {
  if (data.text !== undefined && data.text.length > limits.maxTextLength) throw tooBig('text', limits.maxTextLength);
  if (data.mentions !== undefined && data.mentions.length > limits.maxMentions) throw tooBig('mentions', limits.maxMentions);
  if (data.custom !== undefined && limits.maxCustomBytes < Limits.maxCustomBytes) {
    const bytes = new TextEncoder().encode(JSON.stringify(data.custom)).length;
    if (bytes > limits.maxCustomBytes) throw tooBig('custom', limits.maxCustomBytes);
  }
}

/**
 * One `getMember` per mentioned id (at most `maxMentions`), never the member list: a group of
 * thousands costs the same as a pair. Mentioning outsiders would notify people who cannot read
 * the conversation, so the whole message is refused.
 */
async function requireMembers(store: ChatStore, conversationId: string, userIds: readonly string[]): Promise<void> {
  const members = await Promise.all(userIds.map((userId) => store.getMember(conversationId, userId)));
  if (members.some((m) => m === null)) throw new ParleyError(ErrorCode.FORBIDDEN, 'you can mention members only');
}

/**
 * The quote a reply carries. Anything but a message of this conversation (another
 * conversation's id, a membership event, an id that never existed) is the same NOT_FOUND, so
 * an id reveals nothing about other conversations.
 */
async function replyRef(store: ChatStore, conversationId: string, messageId: string): Promise<ReplyRef> {
  const stored = await store.getEvent(conversationId, messageId);
  if (!stored || stored.kind !== 'message' || stored.conversationId !== conversationId) {
    throw new ParleyError(ErrorCode.NOT_FOUND, 'the message replied to was not found in this conversation');
  }
  // The quote is of the message as it is now: edited text (its original may be erased), or
  // nothing once deleted.
  const changes = await store.readChanges(conversationId, [stored.seq], STORED_SO_FAR);
  const quoted = changes.length > 0 ? messageAsOf(stored, changes, changes.at(-1)!.seq) : stored;
  const text = (quoted.data as { text?: unknown }).text;
  return { messageId: quoted.id, seq: quoted.seq, senderId: quoted.senderId, preview: replyPreview(typeof text === 'string' ? text : '') };
}

