import type { NotifyFrame, PushRegisterFrame, PushUnregisterFrame } from '@parley/protocol';
import type { Connection, ServerContext } from '../context.js';
import { pushToUsers } from '../fanout.js';
import { summarize } from '../summaries.js';
import { registerPushSubscription, setConversationNotify, unregisterPushSubscription } from '../push-subscriptions.js';

/** PUSH.REGISTER: this device's Web Push subscription (push-subscriptions.ts checks it). */
export async function handlePushRegister(ctx: ServerContext, conn: Connection, frame: PushRegisterFrame): Promise<void> {
  await registerPushSubscription(ctx, conn.userId, conn.deviceId, frame.subscription);
  conn.send({ type: 'push.result', reqId: frame.reqId, registered: true });
}

/** PUSH.UNREGISTER: this device gets no more Web Push. */
export async function handlePushUnregister(ctx: ServerContext, conn: Connection, frame: PushUnregisterFrame): Promise<void> {
  await unregisterPushSubscription(ctx, conn.userId, conn.deviceId);
  conn.send({ type: 'push.result', reqId: frame.reqId, registered: false });
}

/**
 * NOTIFY: what the user is notified of in one conversation (NOT_FOUND for a non-member). Private:
 * the summary goes to this connection and the user's other devices only.
 */
export async function handleNotify(ctx: ServerContext, conn: Connection, frame: NotifyFrame): Promise<void> {
  const member = await setConversationNotify(ctx, conn.userId, frame.conversationId, frame.level);
  const conversation = await ctx.store.getConversation(frame.conversationId);
  if (!conversation) return;
  const summary = await summarize(ctx, conversation, member);
  conn.send({ type: 'conversation', reqId: frame.reqId, conversation: summary });
  pushToUsers(ctx, [conn.userId], { type: 'conversation', conversation: summary }, conn.socket.id);
}
