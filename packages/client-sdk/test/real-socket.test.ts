import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatServer, createDevAuth, createMemoryStore, silentLogger, type ChatServer } from '@parley/server-sdk';
import { ErrorCode, createChatClient, type ChatClient } from '../src/index.js';

/** Resolves once `check` holds, re-checking on every snapshot change. */
function until(chat: ChatClient, check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${what}`));
    }, 10_000);
    const stop = chat.subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startServer() {
  const http: Server = createServer();
  const dev = createDevAuth();
  const chat: ChatServer = createChatServer({ server: http, store: createMemoryStore(), authenticate: dev.authenticate, logger: silentLogger });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    await chat.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = (userId: string, token?: string | (() => Promise<string>)) => {
    const getToken = typeof token === 'function' ? token : () => token ?? dev.issueToken(userId);
    const c = createChatClient({ url, getToken, reconnect: { baseMs: 50, maxMs: 200 } });
    cleanup.push(() => c.close());
    return c;
  };
  return { client };
}

describe('client-sdk against a real Parley server', () => {
  it('sends, acks and delivers over real sockets', async () => {
    const { client } = await startServer();
    const alice = client('alice');
    const bob = client('bob');
    // Requests made before the connection is up wait for it.
    const { id } = await alice.openDirect('bob');
    const local = await alice.send(id, 'hi bob');
    expect(local.status).toBe('pending');
    await until(alice, () => alice.getMessages(id)[0]?.status === 'sent', 'ack');
    await until(bob, () => bob.getMessages(id).length === 1, 'delivery');
    expect(bob.getMessages(id)[0]).toMatchObject({ text: 'hi bob', senderId: 'alice', seq: local.seq ?? alice.getMessages(id)[0]?.seq });
    // The summary may come a moment after the message (by the sync its arrival triggers).
    await until(bob, () => bob.getConversation(id)?.unread === 1, 'unread');
    bob.markRead(id);
    expect(bob.getConversation(id)?.unread).toBe(0);
  });

  it('shows a refused handshake in the connection state and stops in `unauthorized`', async () => {
    const { client } = await startServer();
    const mallory = client('mallory', 'not-a-token');
    await until(mallory, () => mallory.getSnapshot().connection.lastError?.code === ErrorCode.UNAUTHORIZED, 'refusal');
    expect(mallory.getSnapshot().connection.status).toBe('unauthorized');
  });

  it('treats a failing getToken as a failed attempt and tries again until one reaches the server', async () => {
    const { client } = await startServer();
    let calls = 0;
    const chat = client('alice', async () => {
      calls += 1;
      if (calls < 3) throw new Error('token service down');
      return 'not-a-token-either';
    });
    const failedFetch = 'getToken failed: token service down';
    await until(chat, () => chat.getSnapshot().connection.lastError?.message === failedFetch, 'token failure');
    expect(chat.getSnapshot().connection).toMatchObject({ status: 'reconnecting', lastError: { code: ErrorCode.UNAVAILABLE } });
    // The third attempt reaches the server, which refuses the token itself: that one is final.
    await until(chat, () => chat.getSnapshot().connection.status === 'unauthorized', 'server refusal');
    expect(calls).toBe(3);
    expect(chat.getSnapshot().connection.lastError?.code).toBe(ErrorCode.UNAUTHORIZED);
  });
});
