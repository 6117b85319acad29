import { createChatClientWith, createChatCore, silentLogger } from './client/chat-client.js';
import { systemTimers } from './core/timers.js';
import { createTabClient } from './tabs/tab-client.js';
import { resolveTabEnvironment } from './tabs/tab-environment.js';
import type { ChatClient, ChatClientOptions } from './types.js';

/**
 * Creates a Parley client: a store of conversations and messages kept in step with the server
 * log, an outbox that never loses a message, and a connection that comes back by itself.
 *
 * @example
 * const chat = createChatClient({ url: 'http://localhost:8080', getToken: async () => token });
 * const stop = chat.subscribe(() => render(chat.getSnapshot()));
 * const { id } = await chat.openDirect('bob');
 * await chat.send(id, 'hi Bob');
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const storage = options.storage;
  const env = resolveTabEnvironment(options.tabs, storage?.scope);
  if (!env || storage?.scope === undefined) return createChatClientWith(options);
  return createTabClient({
    storage: { ...storage, scope: storage.scope },
    env,
    timers: systemTimers,
    logger: options.logger ?? silentLogger,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    autoConnect: options.autoConnect ?? true,
    createCore: (start) => createChatCore({ ...options, autoConnect: true }, start),
  });
}
