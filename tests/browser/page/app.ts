/**
 * The page the browser tests drive: a Parley client on IndexedDB storage, exposed on `window`.
 * `?server=<chat server origin>&user=<user id>`; tokens come from the page's own origin.
 */
import { createChatClient, type ChatClient } from '@parley/client-sdk';
import { createIndexedDbStorage } from '@parley/client-sdk/indexeddb';

export interface PageMessage {
  text?: string;
  status: string;
  senderId: string;
  seq?: number;
}

export interface ParleyPage {
  chat: ChatClient;
  status(): string;
  messages(conversationId: string): PageMessage[];
  conversationIds(): string[];
  /** Seqs of the events the IndexedDB cache holds for a conversation (what a cold start shows). */
  cachedSeqs(conversationId: string): Promise<number[]>;
}

declare global {
  interface Window {
    parley: ParleyPage;
  }
}

const params = new URLSearchParams(location.search);
const userId = params.get('user') ?? 'alice';
const storage = createIndexedDbStorage({ dbName: `parley-${userId}` });
const chat = createChatClient({
  url: params.get('server') ?? location.origin,
  getToken: async () => {
    const response = await fetch(`/token?user=${encodeURIComponent(userId)}`);
    if (!response.ok) throw new Error(`token: ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  },
  storage,
  reconnect: { baseMs: 50, maxMs: 300 },
  ackTimeoutMs: 1_000,
});

window.parley = {
  chat,
  status: () => chat.getSnapshot().connection.status,
  messages: (conversationId) =>
    chat.getMessages(conversationId).map(({ text, status, senderId, seq }) => (seq === undefined ? { text, status, senderId } : { text, status, senderId, seq })),
  conversationIds: () => chat.getSnapshot().conversations.map((c) => c.id),
  cachedSeqs: async (conversationId) => (await storage.events.list(conversationId)).map((e) => e.seq),
};
