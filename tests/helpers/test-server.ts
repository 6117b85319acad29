import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createChatServer,
  createDevAuth,
  createDiskBlobStore,
  type AttachmentOptions,
  type DiskBlobStore,
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
  /** With `files`: the disk blob store the server keeps files in (served at `/blobs`) and its directory. */
  blobs?: DiskBlobStore;
  filesDir?: string;
  token(userId: string, ttlSec?: number): Promise<string>;
  close(): Promise<void>;
}

/** Files on: a disk blob store in a fresh temp dir, served at `/blobs` of the test server, plus these attachment rules. */
export type TestFiles = true | Omit<AttachmentOptions, 'blobs'>;

/** A real Parley server on a free loopback port, memory store, development auth. */
export async function startTestServer(
  options: Partial<ChatServerOptions> & { port?: number; keepStoreOpen?: boolean; devSecret?: string; files?: TestFiles } = {},
): Promise<TestServer> {
  const { port: wantedPort = 0, keepStoreOpen = false, devSecret, files, ...chatOptions } = options;
  const http = createServer();
  const filesDir = files ? mkdtempSync(join(tmpdir(), 'parley-test-files-')) : undefined;
  const blobs = filesDir ? createDiskBlobStore({ dir: filesDir, secret: 'parley-test-blob-secret-of-32-bytes-or-more', publicUrl: '/blobs' }) : undefined;
  if (blobs) chatOptions.attachments = { ...(files === true ? {} : files), blobs };
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
    if (blobs && req.url?.startsWith('/blobs/')) {
      void blobs.handle(req, res).then((served) => {
        if (!served) res.writeHead(404).end();
      }, () => res.destroy());
      return;
    }
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
    ...(blobs && filesDir ? { blobs, filesDir } : {}),
    token: (userId, ttlSec) => dev.issueToken(userId, ttlSec),
    async close() {
      // Idle keep-alive connections (a fetch's, after an aborted upload) would hold the close.
      http.closeIdleConnections();
      await chat.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if (!keepStoreOpen) await store.close();
      await blobs?.close?.();
      if (filesDir) rmSync(filesDir, { recursive: true, force: true });
    },
  };
}
