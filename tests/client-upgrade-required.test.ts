import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Server as SocketServer } from 'socket.io';
import { ErrorCode, PROTOCOL_VERSION, type HandshakeRefusal } from '@parley/protocol';
import { createChatClient, isParleyError, type ChatClient } from '@parley/client-sdk';
import { createFileStorage } from '@parley/client-sdk/node';
import { testScope } from './helpers/scope.js';
import { sdkClient, sentTexts, texts, waitFor } from './helpers/sdk.js';

/**
 * An app two releases behind its server: the server refuses its protocol version, the app says
 * so (`upgrade-required`) instead of retrying forever, and every message the user wrote meanwhile
 * stays in the outbox on disk, to be sent, once and in order, by the updated app.
 */
const scope = testScope();
const dir = mkdtempSync(join(tmpdir(), 'parley-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A server of a release that does not exist yet, so it stands in for one: a real socket.io server
 * on loopback that refuses the handshake exactly as a Parley server refuses a client older than
 * its window (the code and data of `create-chat-server.ts`'s refusal).
 */
async function startFutureServer(): Promise<{ url: string; handshakes(): number; close(): Promise<void> }> {
  const http = createServer();
  const io = new SocketServer(http, { path: '/parley/socket.io' });
  let handshakes = 0;
  io.use((_socket, next) => {
    handshakes++;
    const oldest = PROTOCOL_VERSION + 1;
    const refusal = new Error(`protocol ${PROTOCOL_VERSION} is no longer supported`) as Error & { data: HandshakeRefusal };
    refusal.data = { code: ErrorCode.UNSUPPORTED_PROTOCOL, message: refusal.message, retryable: false, oldest, newest: oldest + 1 };
    next(refusal);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes: () => handshakes,
    close: () => new Promise((resolve) => void io.close(() => resolve())),
  };
}

describe('a client too old for its server', () => {
  it('shows upgrade-required, stops retrying, keeps its outbox on disk, and the updated app delivers it once, in order', async () => {
    const server = await scope.server();
    const future = await startFutureServer();
    const storageDir = join(dir, 'alice-device');
    const deviceId = 'alice-phone';

    // The app as it was: a conversation with bob.
    const first = createFileStorage({ dir: storageDir });
    const before = sdkClient(server, 'alice', { storage: first, deviceId });
    const conversationId = (await before.openDirect('bob')).id;
    before.close();
    await first.close();

    // The server moved on past this app's version.
    const second = createFileStorage({ dir: storageDir });
    const stale: ChatClient = scope.adopt(
      createChatClient({
        url: future.url,
        getToken: () => server.token('alice'),
        storage: second,
        deviceId,
        reconnect: { baseMs: 20, maxMs: 50 },
      }),
    );
    await waitFor(stale, (c) => c.getSnapshot().connection.status === 'upgrade-required', 30_000, 'upgrade-required');
    expect(stale.getSnapshot().connection.lastError?.code).toBe(ErrorCode.UNSUPPORTED_PROTOCOL);
    const words = ['one', 'two', 'three', 'four'];
    for (const text of words) await stale.send(conversationId, text);
    expect(stale.getMessages(conversationId).filter((m) => m.status === 'pending').map((m) => m.text)).toEqual(words);
    // Requests say why at once instead of waiting for a connection that cannot come.
    const refused = await stale.openDirect('carol').catch((err: unknown) => err);
    expect(isParleyError(refused) && refused.code).toBe(ErrorCode.UNSUPPORTED_PROTOCOL);
    // No retry loop against a server that will never take this version: nothing is scheduled.
    expect(stale.getSnapshot().connection.nextAttemptAt).toBeUndefined();
    expect(future.handshakes()).toBe(1);
    stale.close();
    await second.close();
    await future.close();

    // The user reloads the updated app: same device, same storage, a server that speaks it.
    const updated = scope.adopt(sdkClient(server, 'alice', { storage: createFileStorage({ dir: storageDir }), deviceId }));
    const bob = scope.adopt(sdkClient(server, 'bob'));
    await waitFor(updated, (c) => sentTexts(c, conversationId).length === words.length, 30_000, 'the outbox delivered');
    await waitFor(bob, (c) => texts(c, conversationId).length === words.length, 30_000, 'bob has them all');
    expect(texts(bob, conversationId)).toEqual(words);
    // The store is the truth: each message once, in the order written.
    const stored = (await server.store.readAfter(conversationId, 0, 100)).filter((e) => e.kind === 'message');
    expect(stored.map((e) => (e.kind === 'message' ? e.data.text : ''))).toEqual(words);
  }, 120_000);
});
