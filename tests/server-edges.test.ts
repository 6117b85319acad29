import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, type ErrorFrame, type ServerFrame, type SyncResultFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { connectWire, expectRefused, nextId, type WireClient } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';
import { until } from './helpers/fixtures.js';
import { startReferenceProcess } from './helpers/reference-process.js';
import { online, texts, waitFor } from './helpers/sdk.js';

const scope = testScope();
const DAY_SEC = 24 * 3600;
const isError = (code: number) => (f: ServerFrame): f is ErrorFrame => f.type === 'error' && f.code === code;

/** A wire client with a token valid for `ttlSec`, welcomed. */
async function connectFor(server: TestServer, userId: string, ttlSec?: number): Promise<WireClient> {
  const client = await connectWire(server.url, { token: await server.token(userId, ttlSec) });
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

/** One request/answer round trip: proves the socket is still served. */
const roundTrip = (client: WireClient) => client.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors: [] });

describe('token expiry', () => {
  it('keeps a socket whose token is valid for 30 days connected and served', async () => {
    const server = await scope.server();
    const client = await connectFor(server, 'alice', 30 * DAY_SEC);
    const first = await roundTrip(client);
    expect(first.type).toBe('sync.result');
    // A second round trip after the first: any overflowed expiry timer has long fired by now.
    expect((await roundTrip(client)).type).toBe('sync.result');
    expect(client.socket.connected).toBe(true);
    client.close();
  });

  it('still disconnects a socket when its token expires in a second', async () => {
    const server = await scope.server();
    const { io } = await import('socket.io-client');
    const auth = { token: await server.token('alice', 1), deviceId: 'd1', protocol: PROTOCOL_VERSION };
    const socket = io(server.url, { path: '/parley/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, auth });
    // Listening before the connect: on a busy machine the token may be past its expiry by the time
    // the server sees it (the verifier allows 30 s of skew), and then it goes at once.
    // A handshake the server refuses (the token expired before it was read) ends it too.
    const connected = new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', () => resolve(false));
    });
    const reason = await new Promise<string>((resolve) => {
      socket.once('disconnect', resolve);
      socket.once('connect_error', (err) => resolve(`refused: ${err.message}`));
    });
    socket.close();
    if (await connected) expect(reason).toBe('io server disconnect');
    else expect(reason).toMatch(/^refused: /);
  }, 60_000);
});

describe('timers beyond 24.8 days in the client', () => {
  it('shows a 30-day typing indicator without spinning on an overflowed timer', async () => {
    const overflows: string[] = [];
    const onWarning = (warning: Error) => void (warning.name === 'TimeoutOverflowWarning' && overflows.push(warning.message));
    process.on('warning', onWarning);
    try {
      const server = await scope.server({ typingTtlMs: 30 * DAY_SEC * 1000 });
      const alice = scope.client(server, 'alice');
      const bob = scope.client(server, 'bob');
      await waitFor(alice, online);
      await waitFor(bob, online);
      const { id } = await alice.createGroup({ members: ['bob'] });
      await waitFor(bob, (c) => c.getConversation(id) !== undefined);
      alice.typing(id);
      await waitFor(bob, (c) => (c.getSnapshot().typing[id] ?? []).includes('alice'), 10_000, 'typing shown');
      // A round trip of Bob's own after the indicator arrived: warnings are emitted on the next tick.
      await bob.send(id, 'still there?');
      await waitFor(alice, (c) => texts(c, id).includes('still there?'), 10_000, 'message');
      expect(bob.getSnapshot().typing[id]).toEqual(['alice']);
      expect(overflows).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('connections per user', () => {
  it('refuses a user more connections than the cap on this node, with a code the client can read', async () => {
    const server = await scope.server({ maxConnectionsPerUser: 3 });
    const token = await server.token('alice');
    const auth = () => ({ token, deviceId: nextId('dev'), protocol: PROTOCOL_VERSION });
    const open: WireClient[] = [];
    for (let i = 0; i < 3; i++) open.push(await connectFor(server, 'alice'));
    const refused = await expectRefused(server.url, auth());
    expect(refused.data).toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED, message: expect.stringMatching(/connections/) });
    // Another user is not affected, and a closed connection frees its place.
    const bob = await connectFor(server, 'bob');
    open[0]!.close();
    await until(() => server.chat.io.of('/').sockets.size === 3, 10_000, 'the server to see the close');
    open.push(await connectFor(server, 'alice'));
    for (const client of [...open, bob]) client.close();
  });

  it('takes the cap from PARLEY_MAX_CONNECTIONS_PER_USER in parley-server', async () => {
    const server = await startReferenceProcess(['--dev', '--store', 'memory'], { PARLEY_MAX_CONNECTIONS_PER_USER: '1' });
    try {
      const token = await server.issueToken('alice');
      const first = await connectWire(server.url, { token });
      const refused = await expectRefused(server.url, { token, deviceId: 'd2', protocol: PROTOCOL_VERSION });
      expect(refused.data?.code).toBe(ErrorCode.LIMIT_EXCEEDED);
      first.close();
    } finally {
      await server.stop();
    }
  });

  it('caps connections at 20 per user by default', async () => {
    const server = await scope.server();
    const open: WireClient[] = [];
    for (let i = 0; i < 20; i++) open.push(await connectFor(server, 'carol'));
    const refused = await expectRefused(server.url, { token: await server.token('carol'), deviceId: 'd21', protocol: PROTOCOL_VERSION });
    expect(refused.data?.code).toBe(ErrorCode.LIMIT_EXCEEDED);
    for (const client of open) client.close();
  });
});

describe('the frame budget', () => {
  it('counts events of any name, and answers unknown ones with a typed error', async () => {
    const server = await scope.server({ rateLimits: { frames: { perSecond: 0.001, burst: 5 } } });
    const client = await connectFor(server, 'alice');
    client.emitRaw('bogus', { anything: true });
    expect(await client.waitFor(isError(ErrorCode.BAD_FRAME))).toMatchObject({ retryable: false });
    for (let i = 0; i < 10; i++) client.emitRaw(i % 2 ? 'message' : `made-up-${i}`, 'x');
    // The budget is spent by the unknown events: a real request is now refused.
    client.send({ type: 'sync', reqId: nextId(), cursors: [] });
    await client.waitFor(isError(ErrorCode.RATE_LIMITED));
    expect(client.frames.some((f) => f.type === 'sync.result')).toBe(false);
    expect(client.socket.connected).toBe(true);
    client.close();
  });

  it('is shared by all connections of a user, so more sockets or a reconnect buy no more frames', async () => {
    const server = await scope.server({
      rateLimits: { frames: { perSecond: 1000, burst: 1000 }, userFrames: { perSecond: 0.001, burst: 6 } },
    });
    const a = await connectFor(server, 'alice');
    const b = await connectFor(server, 'alice');
    for (const client of [a, b, a, b, a]) expect((await roundTrip(client)).type).toBe('sync.result');
    a.close();
    const c = await connectFor(server, 'alice');
    expect((await roundTrip(c)).type).toBe('sync.result');
    c.send({ type: 'sync', reqId: nextId(), cursors: [] });
    await c.waitFor(isError(ErrorCode.RATE_LIMITED));
    // Another user keeps their own budget.
    const bob = await connectFor(server, 'bob');
    expect((await roundTrip(bob)).type).toBe('sync.result');
    for (const client of [b, c, bob]) client.close();
  });
});

describe('browser origins', () => {
  it('compares scheme, host and port with the allow-list', async () => {
    const server = await scope.server({ allowedOrigins: ['https://app.example.test'] });
    const auth = { token: await server.token('alice'), deviceId: 'd1', protocol: PROTOCOL_VERSION };
    for (const origin of ['http://app.example.test', 'https://app.example.test:8443', 'https://evil.example.test']) {
      const refused = await expectRefused(server.url, auth, { extraHeaders: { origin } });
      expect(refused.message, origin).toMatch(/forbidden|not allowed|xhr|websocket/i);
    }
    for (const origin of ['https://app.example.test', 'https://APP.example.test:443']) {
      const client = await connectWireWithOrigin(server, origin);
      client.close();
    }
  });

  it('compares the scheme for same-origin requests too', async () => {
    const server = await scope.server();
    const { host } = new URL(server.url);
    const auth = { token: await server.token('alice'), deviceId: 'd1', protocol: PROTOCOL_VERSION };
    await expectRefused(server.url, auth, { extraHeaders: { origin: `https://${host}` } });
    const same = await connectWireWithOrigin(server, `http://${host}`);
    same.close();
  });
});

/** Connects with a browser-like `Origin` header; fails the test if refused. */
async function connectWireWithOrigin(server: TestServer, origin: string): Promise<WireClient> {
  const { io } = await import('socket.io-client');
  const socket = io(server.url, {
    path: '/parley/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { origin },
    auth: { token: await server.token('alice'), deviceId: nextId('dev'), protocol: PROTOCOL_VERSION },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(new Error(`${origin} refused: ${err.message}`)));
  });
  return { close: () => void socket.disconnect() } as WireClient;
}
