import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeName } from '@parley/protocol';
import { connectWire } from '../helpers/wire-client.js';
import { openDirect } from '../helpers/fixtures.js';
import { announce, checkProperty, fuzzParams, fuzzTimeout } from './config.js';
import { assertBounded } from './heap.js';
import { buildRequest, rawRequest, type RawResponse } from './raw-http.js';
import { restInput, type RestInput, type RestKnowledge } from './rest-arbitraries.js';
import { startReferenceTarget, type ReferenceTarget } from './reference-target.js';

let target: ReferenceTarget;
let known: RestKnowledge;

beforeAll(async () => {
  announce('rest');
  target = await startReferenceTarget();
  const token = await target.process.issueToken('alice');
  const alice = await connectWire(target.process.url, { token });
  await alice.waitFor((f) => f.type === 'welcome');
  known = { token, conversationId: await openDirect(alice, 'bob') };
  alice.close();
});
afterAll(async () => {
  await target?.close();
});

/** The path part of a request target, as the server routes it. */
function routedPath(target: string): string {
  return target.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0] ?? '';
}

/** Node's own answer to a request its HTTP parser refuses: no body, nothing for Parley to type. */
const isParserRefusal = (res: RawResponse) => res.status === 400 && res.body === '' && res.headers['content-type'] === undefined;

function checkAnswer(input: RestInput, res: RawResponse): void {
  const where = `${input.method} ${input.target}`;
  // Node closes a CONNECT (a proxy tunnel request) that nobody listens for, without an answer.
  if (input.method === 'CONNECT' && res.status === 0) return;
  // A client that left mid-body may get no answer; the health check after it is what counts.
  if (input.truncated && res.status === 0) return;
  expect(res.status, `${where}: no HTTP answer`).toBeGreaterThan(0);
  expect(res.status, `${where}: server error ${res.body}`).toBeLessThan(500);
  if (res.status < 400 || isParserRefusal(res) || input.method === 'HEAD') return;
  expect(res.headers['content-type'], `${where}: an error must be JSON`).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as { error?: unknown; code?: unknown };
  const path = routedPath(input.target);
  // socket.io's transport answers its own errors: { code: <engine.io code>, message }.
  if (path.startsWith('/parley/socket.io')) return void expect(typeof body.code, `${where}: ${res.body}`).toBe('number');
  expect(body.error, `${where}: ${res.body}`).toBeDefined();
  // The history API (chat.rest) answers with typed errors; the dev token route and 404s of the
  // reference server itself carry a plain message.
  if (path.startsWith('/api/') && path !== '/api/dev/token') {
    const error = body.error as { code?: unknown; name?: unknown };
    expect(typeof error.code === 'number' ? errorCodeName(error.code) : 'UNKNOWN', `${where}: ${res.body}`).not.toBe('UNKNOWN');
    expect(error.name, `${where}: ${res.body}`).toBe(errorCodeName(error.code as number));
  }
}

describe('fuzzing every REST route of the reference server (a separate process)', () => {
  it(
    'answers every method, path, percent-encoding, query, header and body without a 5xx, with JSON errors, and stays up',
    async () => {
      await target.assertHealthy();
      const rssAtStart = target.rss();
      await checkProperty(
        'rest',
        fc.asyncProperty(restInput(known), async (input) => {
          const request = buildRequest(input.method, input.target, input.headers, input.body, input.truncated);
          const res = await rawRequest(target.process.url, request, { end: input.truncated }).catch(
            (err: Error) => ({ status: 0, headers: {}, body: err.message }),
          );
          // Health first: a crash explains a missing answer better than the answer does.
          await target.assertHealthy();
          checkAnswer(input, res);
        }),
        fuzzParams(800),
      );
      await target.assertHealthy();
      assertBounded('reference server RSS', rssAtStart, target.rss(), 256 * 1024 * 1024);
    },
    fuzzTimeout(120_000),
  );
});
