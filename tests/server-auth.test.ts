import { beforeEach, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair } from 'jose';
import { io } from 'socket.io-client';
import { ErrorCode, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@parley/protocol';
import { createJwtAuthenticator, type Authenticate } from '@parley/server-sdk';
import type { TestServer } from './helpers/test-server.js';
import { testScope } from './helpers/scope.js';
import { connectWire, expectRefused } from './helpers/wire-client.js';

const SECRET = new TextEncoder().encode('a-test-secret-that-is-32-bytes-long!!');
const base = { issuer: 'https://auth.example.test', audience: 'parley-tests' };

function sign(claims: { sub?: string; iss?: string; aud?: string; exp?: number | string }, key: Uint8Array = SECRET) {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  jwt.setSubject(claims.sub ?? 'alice').setIssuer(claims.iss ?? base.issuer).setAudience(claims.aud ?? base.audience);
  jwt.setExpirationTime(claims.exp ?? '1h');
  return jwt.sign(key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const auth = (token: string) => ({ token, deviceId: 'd1', protocol: PROTOCOL_VERSION });

const scope = testScope();
let server: TestServer;
let revoked: Set<string>;
beforeEach(async () => {
  revoked = new Set();
  const jwt = createJwtAuthenticator({ algorithms: ['HS256'], secret: SECRET, ...base });
  const authenticate: Authenticate = async (token, ctx) => {
    const identity = await jwt(token, ctx);
    return identity && !revoked.has(identity.userId) ? identity : null;
  };
  server = await scope.server({ authenticate, allowedOrigins: ['https://app.example.test'] });
});

describe('authentication at the handshake', () => {
  it('accepts a valid token and says who it authenticated', async () => {
    const client = scope.adopt(await connectWire(server.url, auth(await sign({ sub: 'alice' }))));
    const welcome = await client.waitFor((f) => f.type === 'welcome');
    expect(welcome).toMatchObject({ userId: 'alice', deviceId: 'd1', protocol: PROTOCOL_VERSION });
    client.close();
  });

  it('keeps a token let in by the clock tolerance until its exp plus that tolerance, rather than cutting it at once', async () => {
    const justExpired = await sign({ exp: Math.floor(Date.now() / 1000) - 2 });
    const client = scope.adopt(await connectWire(server.url, auth(justExpired)));
    await client.waitFor((f) => f.type === 'welcome');
    // A request answered after the welcome: the socket was not dropped the moment it connected.
    const answer = await client.request({ type: 'settings', reqId: 'still-here' });
    expect(answer).toMatchObject({ type: 'settings.result' });
    expect(client.socket.connected).toBe(true);
  });

  it.each([
    ['expired', () => sign({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ['signed with another key', () => sign({}, new TextEncoder().encode('another-secret-also-32-bytes-long!!!'))],
    ['from another issuer', () => sign({ iss: 'https://evil.example' })],
    ['for another audience', () => sign({ aud: 'someone-else' })],
    [
      'tampered (payload swapped, signature kept)',
      async () => {
        const [header, , signature] = (await sign({ sub: 'alice' })).split('.');
        const payload = b64({ sub: 'admin', iss: base.issuer, aud: base.audience, exp: Math.floor(Date.now() / 1000) + 3600 });
        return `${header}.${payload}.${signature}`;
      },
    ],
    [
      'unsigned (alg: none)',
      async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: base.issuer, aud: base.audience, exp: Math.floor(Date.now() / 1000) + 3600 })}.`,
    ],
    [
      'signed with a pinned-out algorithm (RS256)',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('alice').setIssuer(base.issuer)
          .setAudience(base.audience).setExpirationTime('1h').sign(privateKey);
      },
    ],
    ['garbage', async () => 'not-a-jwt'],
  ])('refuses a token that is %s with UNAUTHORIZED', async (_name, makeToken) => {
    const err = await expectRefused(server.url, auth(await makeToken()));
    expect(err.data).toMatchObject({ code: ErrorCode.UNAUTHORIZED, retryable: false });
  });

  it('refuses a handshake without credentials or with a protocol version older than it speaks', async () => {
    expect((await expectRefused(server.url, {})).data?.code).toBe(ErrorCode.UNAUTHORIZED);
    const tooOld = await expectRefused(server.url, { ...auth(await sign({})), protocol: OLDEST_PROTOCOL_VERSION - 1 });
    expect(tooOld.data).toMatchObject({ code: ErrorCode.UNSUPPORTED_PROTOCOL, oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION });
  });

  it('authenticates again on every reconnect', async () => {
    const token = await sign({ sub: 'bob' });
    const first = scope.adopt(await connectWire(server.url, auth(token)));
    await first.waitFor((f) => f.type === 'welcome');
    first.close();
    revoked.add('bob');
    const err = await expectRefused(server.url, auth(token));
    expect(err.data?.code).toBe(ErrorCode.UNAUTHORIZED);
  });

  it('disconnects a socket when its token expires (its exp plus the 30 s clock tolerance)', async () => {
    const token = await sign({ exp: Math.floor(Date.now() / 1000) - 29 });
    const socket = io(server.url, { path: '/parley/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, auth: auth(token) });
    // Listening before the connect: a token already past its expiry (within the verifier's skew)
    // is disconnected right after the welcome, possibly before a later listener would be attached.
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
  });

  it('lets browsers in only from allowed or same origins', async () => {
    const token = await sign({});
    const foreign = await expectRefused(server.url, auth(token), { extraHeaders: { origin: 'https://evil.example' } });
    expect(foreign.message).toMatch(/forbidden|not allowed|xhr|websocket/i);
    const allowed = scope.adopt(await connectWire(server.url, auth(token)));
    await allowed.waitFor((f) => f.type === 'welcome');
    allowed.close();
  });
});

describe('REST history API', () => {
  it('pages through history with the same auth, and hides conversations from non-members', async () => {
    const alice = scope.adopt(await connectWire(server.url, auth(await sign({ sub: 'alice' }))));
    await alice.waitFor((f) => f.type === 'welcome');
    alice.send({ type: 'direct.open', reqId: 'open1', userId: 'bob' });
    const opened = await alice.waitFor((f) => f.type === 'conversation');
    if (opened.type !== 'conversation') throw new Error('no conversation');
    const id = opened.conversation.id;
    for (let i = 0; i < 25; i++) alice.send({ type: 'send', conversationId: id, clientMsgId: `rest-msg-${i}`, data: { text: `r${i}` } });
    await alice.waitFor((f) => f.type === 'ack' && f.clientMsgId === 'rest-msg-24');
    alice.close();

    const get = async (path: string, sub?: string) => {
      const headers: Record<string, string> = sub ? { authorization: `Bearer ${await sign({ sub })}` } : {};
      const res = await fetch(`${server.url}/api${path}`, { headers });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const seqs: number[] = [];
    let path = `/conversations/${id}/messages?limit=10`;
    for (let page = 0; page < 10; page++) {
      const { status, body } = await get(path, 'bob');
      expect(status).toBe(200);
      seqs.unshift(...(body.events as Array<{ seq: number }>).map((e) => e.seq));
      const next = body.next as { before: number } | null;
      if (!next) break;
      path = `/conversations/${id}/messages?limit=10&before=${next.before}`;
    }
    expect(seqs).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));

    const forward = await get(`/conversations/${id}/messages?after=20&limit=3`, 'alice');
    expect((forward.body.events as Array<{ seq: number }>).map((e) => e.seq)).toEqual([21, 22, 23]);
    expect(forward.body.next).toEqual({ after: 23 });

    const list = await get('/conversations', 'bob');
    expect(list.body.conversations).toMatchObject([{ id, unread: 25, lastSeq: 26 }]);

    const stranger = await get(`/conversations/${id}/messages`, 'mallory');
    const missing = await get(`/conversations/d_nope/messages`, 'mallory');
    expect(stranger).toEqual(missing);
    expect(stranger.status).toBe(404);
    expect((await get(`/conversations/${id}/messages`)).status).toBe(401);
    expect((await get(`/conversations/${id}/messages?before=-1`, 'bob')).status).toBe(400);
  });
});
