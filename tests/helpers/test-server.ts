import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createChatServer,
  createDevAuth,
  createMemoryStore,
  silentLogger,
  type ChatServer,
  type ChatServerOptions,
  type ChatStore,
} from '@parley/server-sdk';

export interface TestServer {
  url: string;
  http: Server;
  chat: ChatServer;
  store: ChatStore;
  token(userId: string, ttlSec?: number): Promise<string>;
  close(): Promise<void>;
}

/** A real Parley server on a free loopback port, memory store, development auth. */
export async function startTestServer(
  options: Partial<ChatServerOptions> & { port?: number; keepStoreOpen?: boolean; devSecret?: string } = {},
): Promise<TestServer> {
  const { port: wantedPort = 0, keepStoreOpen = false, devSecret, ...chatOptions } = options;
  const http = createServer();
  const store = chatOptions.store ?? createMemoryStore();
  const dev = createDevAuth(devSecret ? { secret: devSecret } : {});
  const chat = createChatServer({
    server: http,
    store,
    authenticate: dev.authenticate,
    logger: silentLogger,
    rateLimits: {
      sends: { perSecond: 10_000, burst: 10_000 },
      frames: { perSecond: 10_000, burst: 10_000 },
      userFrames: { perSecond: 10_000, burst: 10_000 },
    },
    ...chatOptions,
  });
  http.on('request', (req, res) => {
    if (req.url?.startsWith('/api/')) {
      req.url = req.url.slice(4);
      chat.rest(req, res);
    }
  });
  await new Promise<void>((resolve) => http.listen(wantedPort, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    http,
    chat,
    store,
    token: (userId, ttlSec) => dev.issueToken(userId, ttlSec),
    async close() {
      await chat.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if (!keepStoreOpen) await store.close();
    },
  };
}
