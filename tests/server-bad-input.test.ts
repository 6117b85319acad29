import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, Limits, type ErrorFrame, type NackFrame } from '@parley/protocol';
import type { TestServer } from './helpers/test-server.js';
import { nextId, type WireClient } from './helpers/wire-client.js';
import { createGroup, openDirect, roundTrip, sendText, until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
let server: TestServer;
let alice: WireClient;
let conversationId: string;

beforeEach(async () => {
  server = await scope.server();
  alice = await scope.wire(server, 'alice');
  conversationId = await openDirect(alice, 'bob');
});

async function messageCount(): Promise<number> {
  return (await server.store.readAfter(conversationId, 0, 10_000)).filter((e) => e.kind === 'message').length;
}

async function nackFor(clientMsgId: string): Promise<NackFrame> {
  return (await alice.waitFor((f) => f.type === 'nack' && f.clientMsgId === clientMsgId)) as NackFrame;
}

async function stillServing(): Promise<void> {
  // The process and the connection survive: a valid send right after still works.
  const ack = await sendText(alice, conversationId, 'still here');
  expect(ack.type).toBe('ack');
}

describe('bad input gets a typed error, nothing is stored, nothing crashes', () => {
  it('NACKs a send with a wrong field type', async () => {
    const clientMsgId = nextId('bad-');
    alice.send({ type: 'send', conversationId, clientMsgId, data: { text: 42 } } as Record<string, unknown>);
    expect(await nackFor(clientMsgId)).toMatchObject({ code: ErrorCode.BAD_FRAME, retryable: false, conversationId });
    expect(await messageCount()).toBe(0);
    await stillServing();
  });

  it('answers an unknown frame type, a non-object and an unknown event with ERROR', async () => {
    const reqId = nextId();
    alice.send({ type: 'drop.database', reqId });
    expect(await alice.waitFor((f) => f.type === 'error' && f.reqId === reqId)).toMatchObject({ code: ErrorCode.BAD_FRAME });
    alice.emitRaw('parley', 'just a string');
    alice.emitRaw('parley', null);
    alice.emitRaw('send', { conversationId });
    await alice.waitFor((f) => f.type === 'error' && f.message.includes('unknown event'));
    expect(alice.frames.filter((f) => f.type === 'error').length).toBeGreaterThanOrEqual(4);
    await stillServing();
  });

  it('NACKs a frame over the byte limit with FRAME_TOO_LARGE and text over the length limit with BAD_FRAME', async () => {
    const huge = nextId('huge-');
    alice.send({ type: 'send', conversationId, clientMsgId: huge, data: { text: 'x'.repeat(Limits.maxFrameBytes + 10) } });
    expect(await nackFor(huge)).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE, retryable: false });
    const long = nextId('long-');
    alice.send({ type: 'send', conversationId, clientMsgId: long, data: { text: 'x'.repeat(Limits.maxTextLength + 1) } });
    expect(await nackFor(long)).toMatchObject({ code: ErrorCode.BAD_FRAME });
    expect(await messageCount()).toBe(0);
    await stillServing();
  });

  it('refuses __proto__-laden frames and leaves Object.prototype clean', async () => {
    const clientMsgId = nextId('proto-');
    const raw = `{"type":"send","conversationId":"${conversationId}","clientMsgId":"${clientMsgId}","data":{"text":"hi","__proto__":{"polluted":true}},"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":true}}}`;
    alice.send(JSON.parse(raw) as Record<string, unknown>);
    expect(await nackFor(clientMsgId)).toMatchObject({ code: ErrorCode.BAD_FRAME });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await messageCount()).toBe(0);
    await stillServing();
  });

  it('counts a frame with a binary attachment whole: a large frame carrying one small Buffer is still FRAME_TOO_LARGE', async () => {
    const reqId = nextId();
    const padding = 'x'.repeat(Limits.maxFrameBytes + 1_000);
    // The JSON part alone is over the limit; the Buffer arrives after it, as its own packet.
    alice.socket.emit('parley', { type: 'sync', reqId, cursors: [], padding, blob: Buffer.from([1]) });
    expect(await alice.waitFor((f) => f.type === 'error' && f.reqId === reqId)).toMatchObject({ code: ErrorCode.FRAME_TOO_LARGE });
    await stillServing();
  });

  it('survives deeply nested frames: BAD_FRAME within the size limit, FRAME_TOO_LARGE past it', async () => {
    // Written straight to the engine: socket.io's own encoder cannot even produce these.
    const cases = [
      { depth: 10_000, code: ErrorCode.BAD_FRAME }, // 30–40 KB: under maxFrameBytes, refused by validation
      { depth: 100_000, code: ErrorCode.FRAME_TOO_LARGE }, // 300–400 KB: refused before it is even parsed into a frame
    ];
    for (const { depth, code } of cases) {
      const reqId = nextId();
      const nestedObject = '{"a":'.repeat(depth / 2) + '1' + '}'.repeat(depth / 2);
      alice.socket.io.engine.write(`2["parley",{"type":"history","reqId":"${reqId}","conversationId":"${conversationId}","beforeSeq":${nestedObject}}]`);
      expect(await alice.waitFor((f) => f.type === 'error' && f.reqId === reqId)).toMatchObject({ code });
      const clientMsgId = nextId('deep-');
      const nestedArray = '['.repeat(depth * 2) + ']'.repeat(depth * 2);
      alice.socket.io.engine.write(`2["parley",{"type":"send","conversationId":"${conversationId}","clientMsgId":"${clientMsgId}","data":{"text":${nestedArray}}}]`);
      expect(await nackFor(clientMsgId)).toMatchObject({ code });
    }
    expect(await messageCount()).toBe(0);
    await stillServing();
  });
;

  it('gives a non-member the same answer for "no such conversation" and "not a member"', async () => {
    const mallory = await scope.wire(server, 'mallory');
    const group = await createGroup(alice, ['bob']);
    const answers: Array<Omit<NackFrame, 'clientMsgId' | 'conversationId'>> = [];
    for (const target of [group, 'g_does-not-exist']) {
      const clientMsgId = nextId('m-');
      mallory.send({ type: 'send', conversationId: target, clientMsgId, data: { text: 'let me in' } });
      const nack = (await mallory.waitFor((f) => f.type === 'nack' && f.clientMsgId === clientMsgId)) as NackFrame;
      const { clientMsgId: _c, conversationId: _id, ...rest } = nack;
      answers.push(rest);
      for (const frame of [
        { type: 'history', reqId: nextId(), conversationId: target },
        { type: 'members.add', reqId: nextId(), conversationId: target, userIds: ['mallory'] },
        { type: 'receipt', conversationId: target, readSeq: 1 },
      ] as const) {
        mallory.send(frame);
      }
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toMatchObject({ code: ErrorCode.NOT_FOUND });
    const errorsOf = () => mallory.frames.filter((f): f is ErrorFrame => f.type === 'error');
    await until(() => errorsOf().length >= 6, 10_000, 'an error for each request');
    await roundTrip(mallory); // answered after everything mallory sent: no frame is still to come
    const errors = errorsOf();
    expect(errors.length).toBe(6);
    expect(new Set(errors.map((e) => `${e.code}:${e.message}`))).toEqual(new Set([`${ErrorCode.NOT_FOUND}:conversation not found`]));
    expect(await server.store.getMember(group, 'mallory')).toBeNull();
    // Nothing about the group reached mallory, beyond the echo of the id it sent itself.
    const leaked = mallory.frames.filter((f) => f.type !== 'nack' && JSON.stringify(f).includes(group));
    expect(leaked).toEqual([]);
  });

  it('refuses a group over the member limit with LIMIT_EXCEEDED', async () => {
    server = await scope.server({ limits: { maxMembersPerConversation: 3 } });
    alice = await scope.wire(server, 'alice');
    const reqId = nextId();
    alice.send({ type: 'group.create', reqId, members: ['b', 'c', 'd'] });
    expect(await alice.waitFor((f) => f.type === 'error' && f.reqId === reqId)).toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED });
  });

  it('rate-limits a flood of sends per user with a retryable NACK', async () => {
    server = await scope.server({ rateLimits: { sends: { perSecond: 1, burst: 5 } } });
    alice = await scope.wire(server, 'alice');
    conversationId = await openDirect(alice, 'bob');
    for (let i = 0; i < 10; i++) alice.send({ type: 'send', conversationId, clientMsgId: nextId('flood-'), data: { text: 'spam' } });
    const limited = (await alice.waitFor((f) => f.type === 'nack')) as NackFrame;
    expect(limited).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryable: true });
    await until(() => alice.frames.filter((f) => f.type === 'ack' || f.type === 'nack').length === 10, 10_000, 'every send answered');
    await roundTrip(alice);
    expect(await messageCount()).toBe(5);
  });
});
