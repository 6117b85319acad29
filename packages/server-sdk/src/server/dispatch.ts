import * as v from 'valibot';
import {
  ErrorCode,
  errorCodeName,
  Id,
  ParleyError,
  parseClientFrame,
  peekString,
  type ClientFrame,
} from '@parley/protocol';
import type { Connection, ServerContext } from './context.js';
import type { KeyedQueue } from '../keyed-queue.js';
import { handleSend } from './handlers/send.js';
import { handleChange } from './handlers/change.js';
import { sendOrder } from './send-order.js';
import { handleSync } from './handlers/sync.js';
import { handleHistory } from './handlers/history.js';
import { handleDirectOpen, handleGroupCreate, handleMembersAdd, handleMembersRemove } from './handlers/conversations.js';
import { handleReceipt } from './handlers/receipt.js';
import { handleTyping } from './handlers/typing.js';
import { handleSettings } from './handlers/settings.js';
import { handlePresenceSet, handlePresenceSubscribe, handlePresenceUnsubscribe } from './handlers/presence.js';
import { handleWatch } from './handlers/watch.js';
import { handleBans, handleConversationUpdate, handleMembersRole, handleMute } from './handlers/group-admin.js';
import { handleBlocks, handleReport, handleUsers } from './handlers/people.js';
import { handleAttachmentUrls, handleUpload } from './handlers/upload.js';
import { handleNotify, handlePushRegister, handlePushUnregister } from './handlers/push.js';
import { handleSearch } from './handlers/search.js';

/**
 * Handles one inbound frame: size check, schema validation, then its handler (`route`, one case
 * per frame type). Never throws:
 * every failure becomes a typed `nack` (for sends) or `error` frame, and nothing is stored.
 */
export async function dispatchFrame(
  ctx: ServerContext,
  conn: Connection,
  queue: KeyedQueue,
  raw: unknown,
  /** The frame's size on the wire, as the transport received it. */
  size: number,
): Promise<void> {
  const receivedAt = performance.now();
  const fail = (err: unknown) => reject(ctx, conn, raw, err);
  try {
    if (size > ctx.limits.maxFrameBytes) {
      throw new ParleyError(ErrorCode.FRAME_TOO_LARGE, `frame of ${size} bytes exceeds ${ctx.limits.maxFrameBytes}`);
    }
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) ctx.metrics.frames.inc({ type: 'invalid' });
    if (!parsed.ok) throw new ParleyError(ErrorCode.BAD_FRAME, parsed.message);
    ctx.metrics.frames.inc({ type: parsed.frame.type });
    await route(ctx, conn, parsed.frame, { queue, receivedAt, fail });
  } catch (err) {
    fail(err);
  }
}

interface RouteOptions {
  /** This connection's per-conversation send queue. */
  queue: KeyedQueue;
  /** When the frame came in (`performance.now()`), for the ACK latency. */
  receivedAt: number;
  /** Answers a failed frame: a `nack` for a send, an `error` otherwise. */
  fail(err: unknown): void;
}

async function route(ctx: ServerContext, conn: Connection, frame: ClientFrame, options: RouteOptions): Promise<void> {
  switch (frame.type) {
    case 'send':
    case 'change': {
      const first = sendOrder.pending(conn, frame);
      if (first) {
        // A copy of a send still being handled: the same answer, once the first has it.
        return first.then((ack) => conn.send({ ...ack, duplicate: true }), options.fail);
      }
      // Sends of one connection to one conversation persist in the order they were sent, and a
      // refused one is answered inside its turn, so its NACK never trails the next send's ACK.
      // Changes ride the same queue and order chain: a device's sends and changes of one
      // conversation are stored in the order it made them.
      const handle = () => (frame.type === 'send' ? handleSend(ctx, conn, frame, options.receivedAt) : handleChange(ctx, conn, frame, options.receivedAt));
      const answer = options.queue.run(frame.conversationId, () =>
        handle().catch((err: unknown) => {
          options.fail(err);
          throw err;
        }),
      );
      sendOrder.track(conn, frame, answer);
      return answer.then(
        () => undefined,
        () => undefined,
      );
    }
    case 'sync':
      return handleSync(ctx, conn, frame);
    case 'history':
      return handleHistory(ctx, conn, frame);
    case 'direct.open':
      return handleDirectOpen(ctx, conn, frame);
    case 'group.create':
      return handleGroupCreate(ctx, conn, frame);
    case 'members.add':
      return handleMembersAdd(ctx, conn, frame);
    case 'members.remove':
      return handleMembersRemove(ctx, conn, frame);
    case 'receipt':
      return handleReceipt(ctx, conn, frame);
    case 'typing':
      return handleTyping(ctx, conn, frame);
    case 'presence.subscribe':
      return handlePresenceSubscribe(ctx, conn, frame);
    case 'presence.unsubscribe':
      return handlePresenceUnsubscribe(ctx, conn, frame);
    case 'presence.set':
      return handlePresenceSet(ctx, conn, frame);
    case 'settings':
      return handleSettings(ctx, conn, frame);
    case 'watch':
      return handleWatch(ctx, conn, frame);
    case 'conversation.update':
      return handleConversationUpdate(ctx, conn, frame);
    case 'members.role':
      return handleMembersRole(ctx, conn, frame);
    case 'mute':
      return handleMute(ctx, conn, frame);
    case 'bans':
      return handleBans(ctx, conn, frame);
    case 'users':
      return handleUsers(ctx, conn, frame);
    case 'blocks':
      return handleBlocks(ctx, conn, frame);
    case 'report':
      return handleReport(ctx, conn, frame);
    case 'upload':
      return handleUpload(ctx, conn, frame);
    case 'attachments.urls':
      return handleAttachmentUrls(ctx, conn, frame);
    case 'push.register':
      return handlePushRegister(ctx, conn, frame);
    case 'push.unregister':
      return handlePushUnregister(ctx, conn, frame);
    case 'notify':
      return handleNotify(ctx, conn, frame);
    case 'search':
      return handleSearch(ctx, conn, frame);
    default: {
      const unreachable: never = frame;
      throw new ParleyError(ErrorCode.BAD_FRAME, `unknown frame ${String(unreachable)}`);
    }
  }
}

/** Turns a failure into the reply the client can act on; logs only what is our fault. */
function reject(ctx: ServerContext, conn: Connection, raw: unknown, err: unknown): void {
  const error = ParleyError.from(err);
  ctx.metrics.errors.inc({ code: errorCodeName(error.code) });
  if (error.code >= 5000) ctx.logger.error('frame failed', { userId: conn.userId, err: error.cause ?? error });
  answerRefusal(conn, raw, error);
}

/**
 * The reply to a refused frame, as the client can match it: a `nack` naming the message for a
 * send or a change (so its outbox backs off, never waits for an ack timeout), an `error` with the request id
 * otherwise.
 */
export function answerRefusal(conn: Connection, raw: unknown, error: ParleyError): void {
  const type = peekString(raw, 'type');
  const clientMsgId = peekString(raw, 'clientMsgId');
  if ((type === 'send' || type === 'change') && clientMsgId !== undefined) {
    const conversationId = peekString(raw, 'conversationId');
    conn.send({
      type: 'nack',
      conversationId: v.is(Id, conversationId) ? conversationId : null,
      clientMsgId,
      code: error.code,
      message: error.message,
      retryable: error.retryable,
    });
    return;
  }
  const reqId = peekString(raw, 'reqId');
  conn.send({
    type: 'error',
    ...(reqId !== undefined ? { reqId } : {}),
    code: error.code,
    message: error.message,
    retryable: error.retryable,
  });
}
