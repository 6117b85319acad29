import { ErrorCode, PROTOCOL_VERSION, ParleyError, parseServerFrame, type ConversationSummary } from '@parley/protocol';
import { applyIncomingEvents, applyReceipt, leaveConversation, type ChatState } from '../state/chat-state.js';
import type { PresenceTyping } from './presence-typing.js';
import type { ReceiptSender } from './receipt-sender.js';
import type { Logger } from '../types.js';
import type { OutboxSender } from './outbox-sender.js';
import type { RequestTracker } from './requests.js';
import type { SyncCoordinator } from './sync-coordinator.js';
import type { Profiles } from './profiles.js';
import { withBlocks } from '../state/people-state.js';

export interface FrameHandlerDeps {
  getState(): ChatState;
  commit(next: ChatState): void;
  logger: Logger;
  /** The connection got its `welcome`. */
  markOnline(): void;
  /** A welcome said whether (and with which key) the server sends Web Push. */
  welcomed(push: { vapidPublicKey: string } | null): void;
  /** The server answered in a protocol version this client does not speak. */
  refuseProtocol(error: ParleyError): void;
  sync: SyncCoordinator;
  outbox: OutboxSender;
  requests: RequestTracker;
  /** Applies a conversation summary (and fetches its tail if the log is not held yet). */
  takeSummary(summary: ConversationSummary): void;
  receipts: ReceiptSender;
  presenceTyping: PresenceTyping;
  profiles: Profiles;
  /** A connection came up: read the block list (it may have changed on another device meanwhile). */
  readBlocks(): void;
  /** A server error that answered no request: the app hears of it (`chat.on('error')`). */
  serverError(error: ParleyError): void;
}

/**
 * Routes each inbound frame: validated first (the client does not trust the wire either), invalid
 * ones logged and dropped, every frame type handled exhaustively.
 */
export function createFrameHandler(deps: FrameHandlerDeps): (raw: unknown) => void {
  return (raw: unknown): void => {
    const parsed = parseServerFrame(raw);
    if (!parsed.ok) {
      deps.logger.warn('parley: ignored an invalid frame', { reason: parsed.message });
      return;
    }
    const frame = parsed.frame;
    const state = deps.getState();
    switch (frame.type) {
      case 'welcome': {
        if (frame.protocol < PROTOCOL_VERSION) {
          // Answered in an older version than this client speaks: the server must be upgraded.
          deps.refuseProtocol(new ParleyError(ErrorCode.UNSUPPORTED_PROTOCOL, `server speaks protocol ${frame.protocol}`));
          return;
        }
        if (state.userId !== null && state.userId !== frame.userId) {
          deps.logger.warn('parley: the server welcomed a different user', { was: state.userId, now: frame.userId });
        }
        deps.commit({ ...state, userId: frame.userId, limits: frame.limits });
        deps.welcomed(frame.push ?? null);
        deps.markOnline();
        deps.sync.requestFull();
        deps.outbox.flushAll();
        deps.requests.flush();
        deps.receipts.welcomed();
        deps.presenceTyping.welcomed();
        deps.profiles.welcomed();
        deps.readBlocks();
        return;
      }
      case 'ack':
        deps.outbox.onAck(frame);
        deps.sync.check();
        return;
      case 'nack':
        deps.outbox.onNack(frame);
        return;
      case 'event': {
        const { event } = frame;
        deps.commit(applyIncomingEvents(state, [event]));
        // A message ends its sender's typing indicator.
        deps.presenceTyping.eventsArrived([event]);
        const me = state.userId;
        if (event.kind === 'members.removed' && me !== null && event.data.userIds.includes(me)) {
          deps.commit(leaveConversation(deps.getState(), event.conversationId, event.seq));
        }
        deps.sync.check();
        return;
      }
      case 'conversation': {
        // An answer whose group summary has neither this user nor their role is their own leaving: the
        // conversation goes, as a removal does (kept, it would sit in the list with no members).
        const me = state.userId;
        const left = frame.reqId !== undefined && frame.conversation.kind === 'group' && frame.conversation.role === undefined;
        if (left && me !== null && !frame.conversation.members.includes(me)) {
          deps.commit(leaveConversation(deps.getState(), frame.conversation.id, frame.conversation.lastSeq));
        } else {
          // Applied before the request settles, so the caller finds the conversation in the store.
          deps.takeSummary(frame.conversation);
        }
        if (frame.reqId !== undefined) deps.requests.answer(frame.reqId, frame);
        return;
      }
      case 'sync.result':
      case 'history.result':
        if (!deps.requests.answer(frame.reqId, frame)) deps.logger.debug('parley: late answer', { reqId: frame.reqId });
        return;
      case 'error': {
        const error = new ParleyError(frame.code as ErrorCode, frame.message);
        if (frame.reqId === undefined || !deps.requests.fail(frame.reqId, error)) {
          deps.logger.warn('parley: server error', { code: frame.code, message: frame.message });
          deps.serverError(error);
        }
        return;
      }
      case 'receipt.update':
        // A member's watermarks moved; this user's own (another device read further) move the read position too.
        deps.commit(applyReceipt(state, frame));
        return;
      case 'typing.update':
        deps.presenceTyping.typingUpdate(frame);
        return;
      case 'presence':
        deps.presenceTyping.presence(frame);
        return;
      case 'bans.result':
      case 'users.result':
      case 'report.result':
      case 'upload.result':
      case 'attachments.urls.result':
      case 'search.result':
        if (!deps.requests.answer(frame.reqId, frame)) deps.logger.debug('parley: late answer', { reqId: frame.reqId });
        return;
      case 'users.changed':
        deps.profiles.changed(frame.userIds);
        return;
      case 'blocks.result':
        // The answer to this device's request is taken by the request; a push is another device's change.
        if (frame.reqId !== undefined && deps.requests.answer(frame.reqId, frame)) return;
        deps.commit({ ...state, blocks: withBlocks(state.blocks, frame.userIds) });
        return;
      case 'presence.result':
      case 'settings.result':
      case 'watch.result':
      case 'push.result':
        if (frame.reqId === undefined) return; // a settings change made on another device
        if (!deps.requests.answer(frame.reqId, frame)) deps.logger.debug('parley: late answer', { reqId: frame.reqId });
        return;
      case 'resync':
        // Pushes may have been lost upstream: converge to the log again.
        deps.sync.requestFull();
        return;
      default: {
        const unknown: never = frame;
        deps.logger.debug('parley: unhandled frame', { frame: unknown });
      }
    }
  };
}
