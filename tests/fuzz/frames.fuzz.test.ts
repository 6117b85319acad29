import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodeName, FRAME_EVENT, Limits, parseClientFrame, type ServerFrame } from '@parley/protocol';
import { Encoder, PacketType } from 'socket.io-parser';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { nextId, type WireClient } from '../helpers/wire-client.js';
import { connectAs, createGroup, openDirect, sendText } from '../helpers/fixtures.js';
import { clientFrameInput, emission } from './arbitraries.js';
import { announce, checkProperty, fuzzParams, fuzzTimeout } from './config.js';
import { assertBounded, retainedHeap } from './heap.js';

// Frames go to an in-process server with high rate limits, so generated input reaches the
// handlers instead of the rate limiter; a crash takes this worker down and fails the run.
let server: TestServer;
let alice: WireClient;
const known = { users: ['alice', 'bob', 'carol'], conversations: [] as string[], messages: [] as string[], clientMsgIds: [] as string[] };

beforeAll(async () => {
  announce('frames');
  server = await startTestServer();
  alice = await connectAs(server, 'alice');
  known.conversations.push(await createGroup(alice, ['bob', 'carol']), await openDirect(alice, 'bob'));
  // Real messages, so fuzzed changes, replies and thread replies reach real targets too.
  for (const conversationId of known.conversations) {
    const clientMsgId = nextId('m-fuzz-');
    known.messages.push((await sendText(alice, conversationId, 'fuzz target', clientMsgId)).eventId);
    known.clientMsgIds.push(clientMsgId);
  }
});
afterAll(async () => {
  alice?.close();
  await server?.close();
});

/**
 * What the server is sure to refuse: the wrong event, or a frame the protocol schema rejects or
 * that is too big, judged on the packet exactly as socket.io puts it on the wire (its encoder
 * drops own `__proto__` keys from packets with binary attachments, for instance).
 */
function mustBeRefused(event: string, args: unknown[]): boolean {
  if (event !== FRAME_EVENT) return true;
  const [header] = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: [event, ...args] }) as [string, ...Buffer[]];
  if (Buffer.byteLength(header) > Limits.maxFrameBytes) return true;
  const [, frame] = JSON.parse(header.slice(header.indexOf('['))) as [string, unknown];
  return !parseClientFrame(frame).ok;
}

const isRefusal = (f: ServerFrame) => f.type === 'error' || f.type === 'nack';

describe('fuzzing client frames over a real socket', () => {
  it(
    'answers every frame (valid, mutated, huge, deep, binary, unknown events) with a typed reply and keeps serving',
    async () => {
      const heapAtStart = retainedHeap();
      await checkProperty(
        'frames',
        fc.asyncProperty(clientFrameInput(hints()), emission, async (input, { event, extraArgs }) => {
          alice.frames.length = 0;
          alice.emitRaw(event, input, ...extraArgs);
          // The health check: a round trip on the same connection after every input.
          const probe = await alice.request({ type: 'settings', reqId: nextId('probe-') }).catch((err: Error) => err);
          if (probe instanceof Error) throw new Error(`no answer after the input (connected: ${alice.socket.connected}): ${probe.message}`);
          expect(probe.type).toBe('settings.result');
          expect(alice.invalid, 'the server sent a frame outside the protocol').toEqual([]);
          const refusals = alice.frames.filter(isRefusal);
          for (const f of refusals) if (isRefusal(f)) expect(errorCodeName(f.code), JSON.stringify(f)).not.toBe('UNKNOWN');
          if (mustBeRefused(event, [input, ...extraArgs])) expect(refusals.length, 'a bad frame got no typed refusal').toBeGreaterThan(0);
        }),
        fuzzParams(500),
      );
      assertBounded('test server heap', heapAtStart, retainedHeap(), 256 * 1024 * 1024);
    },
    fuzzTimeout(120_000),
  );
});

/** Real ids mixed into generated ones, so valid frames reach members, conversations and stores. */
function hints() {
  const user = fc.constantFrom(...known.users);
  const conversation = fc.constantFrom(...known.conversations);
  const message = fc.constantFrom(...known.messages);
  return {
    userId: user,
    userIds: user,
    members: user,
    conversationId: conversation,
    conversationIds: conversation,
    messageId: message,
    replyTo: message,
    threadId: message,
    clientMsgId: fc.constantFrom(...known.clientMsgIds),
  };
}
