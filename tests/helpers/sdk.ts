import { createChatClient, createMemoryStorage, type ChatClient, type ClientStorage, type MessageView } from '@parley/client-sdk';
import type { TestServer } from './test-server.js';

export interface SdkClientOptions {
  deviceId?: string;
  storage?: ClientStorage;
  ackTimeoutMs?: number;
}

/** A real `createChatClient` against a test server, with fast reconnects for tests. */
export function sdkClient(server: Pick<TestServer, 'url' | 'token'>, userId: string, options: SdkClientOptions = {}): ChatClient {
  return createChatClient({
    url: server.url,
    getToken: () => server.token(userId),
    storage: options.storage ?? createMemoryStorage(),
    deviceId: options.deviceId ?? `${userId}-${Math.random().toString(36).slice(2, 8)}`,
    reconnect: { baseMs: 50, maxMs: 300 },
    ackTimeoutMs: options.ackTimeoutMs ?? 2000,
  });
}

/** Resolves once `check` holds for the client's snapshot; fails with what it saw last. */
export function waitFor(chat: ChatClient, check: (chat: ChatClient) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check(chat)) return resolve();
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}; connection=${chat.getSnapshot().connection.status}`));
    }, timeoutMs);
    const unsubscribe = chat.subscribe(() => {
      if (!check(chat)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

export const online = (chat: ChatClient) => chat.getSnapshot().connection.status === 'online';

export function texts(chat: ChatClient, conversationId: string): string[] {
  return chat.getMessages(conversationId).map((m: MessageView) => m.text ?? '');
}

export function sentTexts(chat: ChatClient, conversationId: string): string[] {
  return chat.getMessages(conversationId).filter((m) => m.status === 'sent').map((m) => m.text ?? '');
}
