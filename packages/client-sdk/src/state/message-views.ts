import { foldIntoMessage, stateSeq, type Attachment, type MessageEvent, type MessageState } from '@parley/protocol';
import type { OutboxAttachment, OutboxEntry } from '../storage/client-storage.js';
import type { AttachmentView, FailedChange, MessageView, ReactionView } from '../types.js';
import type { UploadsState } from './chat-state.js';
import type { ConversationState } from './conversation-state.js';
import { changeEvent, namesMessage } from './change-events.js';
import { foldIndex, foldedMessage, type FoldIndex } from './message-fold.js';
import { replyRef } from './message-content.js';
import { aggregateStatus, type ReceiptMap } from './receipts.js';

/** The content fields of a view: those the message has, and whether it mentions this user. */
function shownContent(data: Pick<MessageView, 'text' | 'custom' | 'mentions' | 'replyTo'>, userId: string | null) {
  return {
    ...(data.text !== undefined ? { text: data.text } : {}),
    ...(data.custom !== undefined ? { custom: data.custom } : {}),
    ...(data.mentions !== undefined ? { mentions: data.mentions } : {}),
    ...(data.replyTo !== undefined ? { replyTo: data.replyTo } : {}),
    mentionsMe: userId !== null && data.mentions?.includes(userId) === true,
  };
}

const NO_REACTIONS: readonly ReactionView[] = Object.freeze([]);

/** The image fields a file has. */
const imageFields = (file: Pick<Attachment, 'width' | 'height' | 'preview'>) => ({
  ...(file.width !== undefined ? { width: file.width } : {}),
  ...(file.height !== undefined ? { height: file.height } : {}),
  ...(file.preview !== undefined ? { preview: file.preview } : {}),
});

/** A stored message's files as shown. */
function storedAttachments(files: readonly Attachment[] | undefined): { attachments?: readonly AttachmentView[] } {
  if (!files || files.length === 0) return {};
  return { attachments: files.map((f) => ({ id: f.id, name: f.name, size: f.size, mimeType: f.mimeType, ...imageFields(f) })) };
}

/** The progress a pending file shows: done once uploaded, else as far as the upload under way got. */
export function progressOf(file: OutboxAttachment, uploads: UploadsState | undefined): { loaded: number; total: number } {
  if (file.uploaded) return { loaded: file.size, total: file.size };
  return uploads?.get(file.localId) ?? { loaded: 0, total: file.size };
}

/** A pending message's files as shown, with their upload progress. */
function pendingAttachments(files: readonly OutboxAttachment[] | undefined, uploads: UploadsState | undefined): { attachments?: readonly AttachmentView[] } {
  if (!files || files.length === 0) return {};
  return {
    attachments: files.map((f) => ({
      ...(f.id !== undefined ? { id: f.id } : {}),
      localId: f.localId, name: f.name, size: f.size, mimeType: f.mimeType, ...imageFields(f),
      progress: progressOf(f, uploads),
    })),
  };
}

/** What a message's folded state shows: edited, deleted, reactions, thread replies. */
function shownState(state: MessageState | undefined, userId: string | null) {
  const reactions = state?.reactions?.map((g) => ({
    key: g.key, count: g.userIds.length, mine: userId !== null && g.userIds.includes(userId), userIds: g.userIds,
  }));
  return {
    ...(state?.editedAt !== undefined && !state.deleted ? { editedAt: state.editedAt } : {}),
    deleted: state?.deleted !== undefined,
    ...(state?.deleted ? { deletedBy: state.deleted.by } : {}),
    reactions: reactions && reactions.length > 0 ? reactions : NO_REACTIONS,
    replyCount: state?.replyCount ?? 0,
    ...(state?.lastReplyAt !== undefined ? { lastReplyAt: state.lastReplyAt } : {}),
  };
}

/**
 * A message with the user's own queued changes of it shown at once (folded by the same rule, as
 * if each came next in the log); failed ones are not applied but listed, so the UI can offer
 * `retry` or `discard`.
 */
function withOwnChanges(message: MessageEvent, changes: readonly OutboxEntry[], userId: string | null, own: (target: OutboxEntry) => boolean) {
  let folded = message;
  const failed: FailedChange[] = [];
  for (const entry of changes) {
    if (!entry.change || !own(entry)) continue;
    const { change } = entry.change;
    if (entry.status === 'failed') {
      failed.push({ clientMsgId: entry.clientMsgId, kind: change.kind, ...('key' in change ? { key: change.key } : {}), error: entry.error ?? { code: 5000, message: 'the change could not be made' } });
      continue;
    }
    const seq = stateSeq(folded) + 1;
    const base = { id: entry.clientMsgId, conversationId: message.conversationId, seq, ts: entry.createdAt, senderId: userId ?? '', clientMsgId: entry.clientMsgId };
    folded = foldIntoMessage(folded, changeEvent(base, change, folded));
  }
  return { folded, failed };
}

function withFailed(view: MessageView, failed: readonly FailedChange[]): MessageView {
  return failed.length > 0 ? { ...view, failedChanges: failed } : view;
}

/** What a lane's views depend on besides the log and the outbox. */
export interface LaneContext {
  readonly receipts: ReceiptMap;
  /** The server's announced edit window (`welcome.limits.editWindowMs`); undefined: none. */
  readonly editWindowMs: number | undefined;
  /** Progress of the uploads under way (`ChatState.uploads`). */
  readonly uploads?: UploadsState;
}

/** How a held message shows: folded with what the client holds, then with the user's queued changes. */
export function heldView(event: MessageEvent, index: FoldIndex, changes: readonly OutboxEntry[], userId: string | null, { receipts, editWindowMs }: LaneContext): MessageView {
  const mine = event.senderId === userId;
  const names = (entry: OutboxEntry) => entry.change !== undefined && namesMessage(entry.change.target, event, userId);
  const { folded, failed } = withOwnChanges(foldedMessage(event, index), changes, userId, names);
  const shown = shownState(folded.state, userId);
  // The server measures the window from the stored message's ts, so the deadline is in server time.
  const editable = mine && !shown.deleted && editWindowMs !== undefined;
  const view: MessageView = {
    type: 'message',
    // Own messages keep the clientMsgId key they had while pending, so lists do not remount them.
    key: mine ? event.clientMsgId : event.id,
    clientMsgId: event.clientMsgId,
    id: event.id,
    seq: event.seq,
    conversationId: event.conversationId,
    senderId: event.senderId,
    ...shownContent(folded.data, userId),
    ...storedAttachments(folded.data.attachments),
    ...shown,
    ...(editable ? { editableUntil: event.ts + editWindowMs } : {}),
    ...(event.data.thread ? { threadId: event.data.thread.messageId } : {}),
    ts: event.ts,
    status: 'sent',
  };
  // The sender follows its own messages: sent → delivered → read (aggregated over members).
  return withFailed(mine ? { ...view, receipt: aggregateStatus(receipts, event.seq, userId) } : view, failed);
}

/** How an outbox entry shows: the user's own message, pending or failed, keyed by its clientMsgId. */
export function messageFromEntry(
  entry: OutboxEntry,
  userId: string | null,
  conv?: ConversationState,
  changes: readonly OutboxEntry[] = [],
  uploads?: UploadsState,
): MessageView {
  // A queued reply shows what the client knows of its quote, completed from the log if it came since.
  const replyTo = entry.replyTo && (replyRef(entry.replyTo, conv) ?? entry.replyTo);
  const data = {
    ...(entry.text !== undefined ? { text: entry.text } : {}),
    ...(entry.custom !== undefined ? { custom: entry.custom } : {}),
  };
  // Not in the log yet: seq 0, so its queued changes (targeting its clientMsgId) fold after it.
  const pending: MessageEvent = {
    id: entry.clientMsgId, conversationId: entry.conversationId, seq: 0, senderId: userId ?? '', ts: entry.createdAt,
    kind: 'message', clientMsgId: entry.clientMsgId, data,
  };
  const names = (c: OutboxEntry) => c.change !== undefined && 'clientMsgId' in c.change.target && c.change.target.clientMsgId === entry.clientMsgId;
  const { folded, failed } = withOwnChanges(pending, changes, userId, names);
  const view: MessageView = {
    type: 'message',
    key: entry.clientMsgId,
    clientMsgId: entry.clientMsgId,
    conversationId: entry.conversationId,
    senderId: userId ?? '',
    ...shownContent({ ...folded.data, mentions: entry.mentions, replyTo }, userId),
    ...pendingAttachments(entry.attachments, uploads),
    ...shownState(folded.state, userId),
    ...(entry.threadId !== undefined ? { threadId: entry.threadId } : {}),
    ts: entry.createdAt,
    status: entry.status,
  };
  return withFailed(entry.error ? { ...view, error: entry.error } : view, failed);
}

/**
 * The messages of one lane: confirmed ones by seq only (never by client clocks), then the user's
 * pending and failed ones in creation order. An entry whose message is already in the log (acked
 * on another path) is shown once, as sent. `inLane` picks the lane: the main timeline (no
 * thread) or one thread's replies.
 */
function buildLane(
  conv: ConversationState | undefined,
  entries: readonly OutboxEntry[],
  userId: string | null,
  context: LaneContext,
  inLane: (threadId: string | undefined) => boolean,
): MessageView[] {
  const events = conv?.events ?? [];
  const index = foldIndex(events);
  const changes = entries.filter((e) => e.change !== undefined);
  const views: MessageView[] = [];
  const confirmed = new Set<string>();
  for (const event of events) {
    if (event.kind !== 'message') continue;
    if (event.senderId === userId) confirmed.add(event.clientMsgId);
    if (inLane(event.data.thread?.messageId)) views.push(heldView(event, index, changes, userId, context));
  }
  for (const entry of entries) {
    if (entry.change || confirmed.has(entry.clientMsgId) || !inLane(entry.threadId)) continue;
    views.push(messageFromEntry(entry, userId, conv, changes, context.uploads));
  }
  return views;
}

const laneContext = (conv: ConversationState | undefined, context: Partial<LaneContext>): LaneContext =>
  ({ receipts: context.receipts ?? conv?.receipts ?? {}, editWindowMs: context.editWindowMs, ...(context.uploads ? { uploads: context.uploads } : {}) });

/** A conversation's main timeline: top-level messages (a thread's root shows its `replyCount`). */
export function buildMessages(conv: ConversationState | undefined, entries: readonly OutboxEntry[], userId: string | null, context: Partial<LaneContext> = {}): MessageView[] {
  return buildLane(conv, entries, userId, laneContext(conv, context), (thread) => thread === undefined);
}

/** One thread's replies (root `rootId`), by seq, then the user's pending replies. */
export function buildThread(conv: ConversationState | undefined, entries: readonly OutboxEntry[], userId: string | null, rootId: string, context: Partial<LaneContext> = {}): MessageView[] {
  return buildLane(conv, entries, userId, laneContext(conv, context), (thread) => thread === rootId);
}
