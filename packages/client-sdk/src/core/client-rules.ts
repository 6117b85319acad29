import { ErrorCode, ParleyError, parseClientFrame, type ClientFrame } from '@parley/protocol';
import type { ChatState } from '../state/chat-state.js';
import { messageFromEntry } from '../state/views.js';
import type { OutboxEntry } from '../storage/client-storage.js';
import type { MessageView } from '../types.js';
import type { ChatReads } from './view-store.js';

/** Checks a frame against the protocol before it leaves: bad input fails here, typed, and nothing is stored. */
export function validFrame<F extends ClientFrame>(frame: F): F {
  const parsed = parseClientFrame(frame);
  if (!parsed.ok) throw new ParleyError(ErrorCode.BAD_FRAME, parsed.message);
  return parsed.frame as F;
}

/** What `send()` accepts, checked the way the server will check it. */
export function validateSend(conversationId: string, clientMsgId: string, text: string): void {
  validFrame({ type: 'send', conversationId, clientMsgId, data: { text } });
}

/** What `send()` resolves with: the message as shown, or its pending view if not shown yet. */
export function shownMessage(reads: ChatReads, entry: OutboxEntry, userId: string | null): MessageView {
  return reads.getMessages(entry.conversationId).find((m) => m.key === entry.clientMsgId) ?? messageFromEntry(entry, userId);
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
