import { ErrorCode, Limits, ParleyError, parseClientFrame, type ClientFrame } from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import { messageFromEntry } from '../state/views.js';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { MessageView } from '../types.js';
import type { ChatReads } from './view-store.js';
import type { FileLimits } from '../files/file-input.js';

/** Checks a frame against the protocol before it leaves: bad input fails here, typed, and nothing is stored. */
export function validFrame<F extends ClientFrame>(frame: F): F {
  const parsed = parseClientFrame(frame);
  if (!parsed.ok) throw new ParleyError(ErrorCode.BAD_FRAME, parsed.message);
  return parsed.frame as F;
}

/** The limits `send()` checks content and files against. */
export interface SendLimits extends FileLimits {
  readonly maxTextLength: number;
  readonly maxCustomBytes: number;
  readonly maxMentions: number;
}

/**
 * The limits `send()` holds content to: the server's announced ones when a welcome brought them
 * (a deployment may lower them), so content it would refuse fails here, readable, instead of as
 * a NACK. Never above the protocol's.
 */
export function sendLimits(state: Pick<ChatState, 'limits'>): SendLimits {
  const limit = (key: keyof SendLimits): number => {
    const announced = state.limits[key];
    return announced !== undefined && announced > 0 ? Math.min(announced, Limits[key]) : Limits[key];
  };
  // 0 is an answer here: the server takes no files. Before any welcome, the server decides.
  const fileBytes = state.limits['maxAttachmentBytes'];
  return {
    maxTextLength: limit('maxTextLength'),
    maxCustomBytes: limit('maxCustomBytes'),
    maxMentions: limit('maxMentions'),
    maxAttachmentsPerMessage: limit('maxAttachmentsPerMessage'),
    maxAttachmentBytes: fileBytes !== undefined && fileBytes >= 0 ? Math.min(fileBytes, Limits.maxAttachmentBytes) : Limits.maxAttachmentBytes,
    maxFileNameLength: limit('maxFileNameLength'),
    maxPreviewLength: limit('maxPreviewLength'),
  };
}

/** What `send()` resolves with: the message as shown, or its pending view if not shown yet. */
export function shownMessage(reads: ChatReads, entry: OutboxEntry, userId: string | null): MessageView {
  const lane = entry.threadId === undefined ? reads.getMessages(entry.conversationId) : reads.getThread(entry.conversationId, entry.threadId);
  return lane.find((m) => m.key === entry.clientMsgId) ?? messageFromEntry(entry, userId);
}

/**
 * The read watermark `markRead` moves to (default: the newest held seq), or undefined when there
 * is nothing to move: an unknown conversation, or one already read that far.
 */
export function markReadTarget(state: ChatState, conversationId: string, seq?: number): number | undefined {
  const conv = state.conversations.get(conversationId);
  if (!conv) return undefined;
  const target = seq ?? Math.max(conv.cursor ?? 0, conv.summary?.lastSeq ?? 0);
  return target > conv.readSeq ? target : undefined;
}

/**
 * A send repeated with a clientMsgId the client already holds (queued, or stored in the log):
 * the message as it shows, so a second call neither queues nor shows it twice.
 */
export function repeatedSend(state: ChatState, reads: ChatReads, conversationId: string, clientMsgId: string): MessageView | undefined {
  const queued = state.outbox.find((e) => e.clientMsgId === clientMsgId);
  if (queued) return shownMessage(reads, queued, state.userId);
  const stored = state.conversations.get(conversationId)?.events.find((e) => e.kind === 'message' && e.clientMsgId === clientMsgId && e.senderId === state.userId);
  // A thread reply shows in its thread, not in the timeline.
  const thread = stored?.kind === 'message' ? stored.data.thread?.messageId : undefined;
  const lane = thread === undefined ? reads.getMessages(conversationId) : reads.getThread(conversationId, thread);
  return lane.find((m) => m.clientMsgId === clientMsgId && m.senderId === state.userId);
}
