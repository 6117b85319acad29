import fc from 'fast-check';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { errorCodeName, FRAME_EVENT, HandshakeAuth, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@parley/protocol';
import { nastyValue, validOrMutated } from './arbitraries.js';
import { announce, checkProperty, fuzzParams, fuzzTimeout } from './config.js';
import { assertBounded } from './heap.js';
import { startReferenceTarget, type ReferenceTarget } from './reference-target.js';
import type { SchemaNode } from './schema-arbitrary.js';

let target: ReferenceTarget;
let realToken: string;

beforeAll(async () => {
  announce('handshake');
  target = await startReferenceTarget();
  realToken = await target.process.issueToken('alice');
});
afterAll(async () => {
  await target?.close();
});

type Outcome = { connected: true; welcomed: boolean } | { connected: false; data: unknown; message: string };

/** One socket.io connection attempt with this `auth` payload and these headers. */
function attempt(auth: unknown, headers: Record<string, string>): Promise<Outcome> {
  const socket = io(target.process.url, {
    path: '/parley/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 15_000,
    auth: auth as Record<string, unknown>,
    extraHeaders: headers,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      const welcome = new Promise<boolean>((done) => {
        socket.once(FRAME_EVENT, (frame: { type?: unknown }) => done(frame.type === 'welcome'));
        socket.once('disconnect', () => done(false));
      });
      void welcome.then((welcomed) => {
        // Resolve first: disconnecting closes the transport, which the 'close' listener below would report.
        resolve({ connected: true, welcomed });
        socket.disconnect();
      });
    });
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      resolve({ connected: false, data: err.data, message: err.message });
      socket.disconnect();
    });
    // socket.io closes the transport, without a connect_error, on a CONNECT packet it cannot parse.
    // A refusal closes it too, just before its connect_error: that one wins, being reported first.
    socket.io.once('close', (reason: string) => {
      setImmediate(() => resolve({ connected: false, data: undefined, message: `transport closed: ${reason}` }));
    });
  });
}

const isPlainObject = (value: unknown) => Object.prototype.toString.call(value) === '[object Object]';

const tokens = fc.oneof(
  fc.constant('REAL'),
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map(([a, b, c]) => `eyJhbGciOiJIUzI1NiJ9.${a}.${b}${c}`),
  fc.constantFrom('eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.', 'a'.repeat(9000), 'Bearer x'),
);
const handshakeHeaders = fc.dictionary(
  fc.constantFrom('origin', 'cookie', 'x-forwarded-for', 'user-agent', 'authorization', 'x-fuzz'),
  fc.string({ unit: fc.constantFrom(...'abc019 =.;,:/+%-_~'), maxLength: 30 }),
  { maxKeys: 3 },
);

describe('fuzzing the handshake of the reference server (a separate process)', () => {
  it(
    'refuses every bad auth payload with a typed connect_error, welcomes only valid ones, and stays up',
    async () => {
      const rssAtStart = target.rss();
      const auth = validOrMutated(HandshakeAuth as unknown as SchemaNode, { token: tokens, protocol: fc.constant(PROTOCOL_VERSION) });
      await checkProperty(
        'handshake',
        fc.asyncProperty(fc.oneof(auth, nastyValue), handshakeHeaders, async (generated, headers) => {
          // The real token is filled in here: arbitraries are built before the server hands one out.
          const payload: unknown = JSON.parse(JSON.stringify(generated ?? null).replaceAll('"REAL"', JSON.stringify(realToken)));
          const outcome = await attempt(payload, headers);
          await target.assertHealthy();
          const acceptable = v.is(HandshakeAuth, payload) && payload.token === realToken && payload.protocol >= OLDEST_PROTOCOL_VERSION;
          const where = JSON.stringify(payload)?.slice(0, 300);
          if (outcome.connected) {
            expect(acceptable, `accepted a bad handshake: ${where}`).toBe(true);
            expect(outcome.welcomed, `connected without a welcome: ${where}`).toBe(true);
            return;
          }
          // Refusals that happen below Parley, before it sees the auth: an origin outside the allowed
          // list (the transport answers 403), and a CONNECT payload that is not an object (socket.io's parser).
          if (outcome.data === undefined && (headers.origin !== undefined || !isPlainObject(payload))) return;
          const data = outcome.data as { code?: unknown } | undefined;
          expect(typeof data?.code === 'number' ? errorCodeName(data.code) : 'UNKNOWN', `${outcome.message}: ${where}`).not.toBe('UNKNOWN');
          expect(acceptable, `refused a valid handshake: ${where}`).toBe(false);
        }),
        fuzzParams(150, 0.5),
      );
      assertBounded('reference server RSS', rssAtStart, target.rss(), 256 * 1024 * 1024);
    },
    fuzzTimeout(120_000, 0.5),
  );

  it(
    'survives raw engine.io and socket.io packets that no client library would send',
    async () => {
      const wsUrl = `${target.process.url.replace('http', 'ws')}/parley/socket.io/?EIO=4&transport=websocket`;
      const packet = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.tuple(fc.constantFrom('0', '1', '2', '3', '4', '40', '41', '42', '43', '44', '45', '451-', '46', '4{', '6', '9'), fc.jsonValue()).map(
          ([prefix, value]) => prefix + JSON.stringify(value),
        ),
        fc.constantFrom('40{"token":1}', '42["parley"', '42[', '451-["parley",{"_placeholder":true,"num":9}]', '4' + '['.repeat(5000)),
        fc.uint8Array({ maxLength: 500 }).map((bytes) => Buffer.from(bytes)),
      );
      await checkProperty(
        'raw packets',
        fc.asyncProperty(fc.array(packet, { minLength: 1, maxLength: 6 }), async (packets) => {
          const ws = new WebSocket(wsUrl);
          await new Promise<void>((resolve) => {
            ws.once('open', () => {
              for (const p of packets) ws.send(p);
              ws.close();
            });
            ws.once('close', () => resolve());
            ws.once('error', () => resolve());
          });
          await target.assertHealthy();
        }),
        fuzzParams(80, 0.5),
      );
    },
    fuzzTimeout(120_000, 0.5),
  );
});
