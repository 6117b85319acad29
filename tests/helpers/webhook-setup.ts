import type { LogEvent } from '@parley/protocol';
import {
  createChatMetrics,
  createWebhookDispatcher,
  silentLogger,
  type ChatMetrics,
  type ChatStore,
  type WebhookDispatcher,
  type WebhookOptions,
} from '@parley/server-sdk';
import { nextId } from './wire-client.js';

/** Test-sized webhook options: short retries and polls, so failures heal within a test's deadline. */
export const FAST: Omit<WebhookOptions, 'endpoints'> = {
  retry: { firstDelayMs: 50, maxDelayMs: 200 },
  pollIntervalMs: 50,
  timeoutMs: 5000,
  maxAttempts: 10,
};

/** A dispatcher on `store` with its own metrics, closed by `adopt`. */
export function dispatcherOn(
  store: ChatStore,
  options: WebhookOptions,
  adopt: <T extends { close(): unknown }>(thing: T) => T,
): { webhooks: WebhookDispatcher; metrics: ChatMetrics } {
  const metrics = createChatMetrics();
  const webhooks = adopt(createWebhookDispatcher({ store, logger: silentLogger, metrics }, { ...FAST, ...options }));
  return { webhooks, metrics };
}

/** A group with two members, straight in the store, for events to deliver. */
export async function conversationIn(store: ChatStore): Promise<string> {
  const id = nextId('conv-');
  await store.createConversation({ id, kind: 'group', title: 'hooks', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: Date.now() });
  return id;
}

/** Appends a message the way the server stores one. */
export async function storeMessage(store: ChatStore, conversationId: string, text: string): Promise<LogEvent> {
  const { event } = await store.append({ conversationId, senderId: 'alice', clientMsgId: nextId('m-'), ts: Date.now(), kind: 'message', data: { text } });
  return event;
}
