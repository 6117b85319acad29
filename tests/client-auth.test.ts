import { describe, expect, it } from 'vitest';
import { createChatClient, createMemoryStorage, type ChatClient, type ChatClientOptions } from '@parley/client-sdk';
import { ErrorCode, ParleyError, isParleyError } from '@parley/protocol';
import { createJwtAuthenticator } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import type { TestServer } from './helpers/test-server.js';
import { online, sentTexts, waitFor } from './helpers/sdk.js';

const scope = testScope();
const WAIT = 30_000;

/** A real client whose token the test controls; closed after the test. */
function clientWith(server: TestServer, extra: Pick<ChatClientOptions, 'getToken'> & Partial<ChatClientOptions>): ChatClient {
  const chat = createChatClient({
    url: server.url,
    storage: createMemoryStorage(),
    deviceId: `dev-${Math.random().toString(36).slice(2, 8)}`,
    reconnect: { baseMs: 50, maxMs: 300 },
    ackTimeoutMs: 2000,
    ...extra,
  });
  return scope.adopt(chat);
}

const unauthorized = (chat: ChatClient) => chat.getSnapshot().connection.status === 'unauthorized';

/** The code a promise rejects with (or 'resolved'). */
async function codeOf(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return isParleyError(err) ? err.code : String(err);
  }
}

/** Bob's client and a direct conversation with alice, made by bob. */
async function bobWithDirectToAlice(server: TestServer) {
  const bob = scope.client(server, 'bob');
  await waitFor(bob, online, WAIT, 'bob online');
  const { id } = await bob.openDirect('alice');
  return { bob, id };
}

describe('a client whose credentials are refused', { timeout: 90_000 }, () => {
  it('stops in `unauthorized` on a bad token, and every call rejects at once with UNAUTHORIZED', async () => {
    const server = await scope.server();
    const errors: ParleyError[] = [];
    const chat = clientWith(server, { getToken: () => 'not-a-token', onAuthError: (error) => void errors.push(error) });
    await waitFor(chat, unauthorized, WAIT, 'unauthorized');
    expect(chat.getSnapshot().connection.lastError?.code).toBe(ErrorCode.UNAUTHORIZED);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.UNAUTHORIZED]);
    // Not the 15 s request timeout: the client knows no answer can come.
    expect(await codeOf(chat.openDirect('bob'))).toBe(ErrorCode.UNAUTHORIZED);
    expect(await codeOf(chat.createGroup({ members: ['bob'] }))).toBe(ErrorCode.UNAUTHORIZED);
    expect(await codeOf(chat.getSettings())).toBe(ErrorCode.UNAUTHORIZED);
    expect(chat.getSnapshot().connection.status).toBe('unauthorized');
  });

  it('keeps a message sent while unauthorized and delivers it once onAuthError refreshes and retries', async () => {
    const server = await scope.server();
    const { bob, id } = await bobWithDirectToAlice(server);
    let token = 'stale-session';
    let retry: (() => void) | undefined;
    const alice = clientWith(server, { getToken: () => token, onAuthError: (_error, actions) => (retry = actions.retry) });
    await waitFor(alice, unauthorized, WAIT, 'unauthorized');
    const queued = await alice.send(id, 'sent while signed out');
    expect(queued.status).toBe('pending');

    token = await server.token('alice');
    expect(retry).toBeTypeOf('function');
    retry?.();
    await waitFor(alice, online, WAIT, 'alice online after the refresh');
    await waitFor(bob, (c) => sentTexts(c, id).includes('sent while signed out'), WAIT, 'bob got the queued message');
    await waitFor(alice, (c) => sentTexts(c, id).length === 1, WAIT, 'alice sees it sent');
    expect(sentTexts(bob, id)).toEqual(['sent while signed out']);
  });

  it('treats a getToken that rejects with UNAUTHORIZED as signed out, and connect() tries again', async () => {
    const server = await scope.server();
    let signedIn = false;
    const chat = clientWith(server, {
      getToken: async () => {
        if (!signedIn) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'signed out');
        return server.token('alice');
      },
    });
    await waitFor(chat, unauthorized, WAIT, 'unauthorized');
    expect(chat.getSnapshot().connection.lastError?.message).toBe('signed out');
    expect(await codeOf(chat.openDirect('bob'))).toBe(ErrorCode.UNAUTHORIZED);
    signedIn = true;
    chat.connect();
    await waitFor(chat, online, WAIT, 'online after connect()');
  });

  it('retries with backoff when getToken fails for another reason (a network error)', async () => {
    const server = await scope.server();
    let calls = 0;
    const seen: string[] = [];
    const chat = clientWith(server, {
      getToken: async () => {
        calls += 1;
        if (calls <= 2) throw new Error('fetch failed');
        return server.token('alice');
      },
    });
    const stop = chat.subscribe(() => void seen.push(chat.getSnapshot().connection.status));
    await waitFor(chat, online, WAIT, 'online after token fetch failures');
    stop();
    expect(seen).not.toContain('unauthorized');
    expect(seen).toContain('reconnecting');
  });

  it('goes `unauthorized` when its token expires and the refresh hands back no valid one', async () => {
    // The dev tokens' verifier, without the default 30 s of clock tolerance: expired means expired.
    const secret = 'client-auth-test-secret-at-least-32-bytes';
    const authenticate = createJwtAuthenticator({
      algorithms: ['HS256'], secret: new TextEncoder().encode(secret), issuer: 'parley-dev', audience: 'parley', clockToleranceSec: 0,
    });
    const server = await scope.server({ devSecret: secret, authenticate });
    // Long enough to connect on a busy machine (exp counts whole seconds), short enough to wait for.
    const shortLived = await server.token('alice', 5);
    const errors: ParleyError[] = [];
    // The "refresh" keeps returning the expired token, as a session that ended would.
    const chat = clientWith(server, { getToken: () => shortLived, onAuthError: (error) => void errors.push(error) });
    const seen = new Set<string>();
    chat.subscribe(() => void seen.add(chat.getSnapshot().connection.status));
    await waitFor(chat, unauthorized, WAIT, 'unauthorized after the token expired');
    // It was connected first: the server cut the socket at expiry and refused the stale token after.
    expect(seen.has('online')).toBe(true);
    expect(errors.map((e) => e.code)).toEqual([ErrorCode.UNAUTHORIZED]);
    expect(await codeOf(chat.loadOlder('some-conversation'))).toBe(ErrorCode.UNAUTHORIZED);
  });
});
