import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, PROTOCOL_VERSION, isParleyError, type SyncFrame, type WatchFrame } from '@parley/protocol';
import { createChatClientWith } from './chat-client.js';
import { createFakeWire, createManualTimers, flushAsync } from '../../test/support/fake-wire.js';
import { summary } from '../../test/support/fixtures.js';
import type { AuthErrorActions, ChatClientOptions } from '../types.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;

async function setup(extra: Partial<ChatClientOptions> = {}) {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const chat = createChatClientWith(
    { url: 'http://parley.test', getToken: async () => 'tok', deviceId: 'd1', reconnect: { baseMs: 1_000, maxMs: 8_000 }, ...extra },
    { transport: wire.factory, timers: clock.timers },
  );
  await flushAsync();
  return { wire, clock, chat };
}

async function codeOf(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return isParleyError(err) ? err.code : String(err);
  }
}

/** Answers every sync sent so far (a full sync may take a page and then a leftovers request). */
async function answerSyncs(wire: ReturnType<typeof createFakeWire>, answered = new Set<string>()) {
  for (let round = 0; round < 5; round += 1) {
    for (const sync of wire.frames('sync') as SyncFrame[]) {
      if (answered.has(sync.reqId)) continue;
      answered.add(sync.reqId);
      wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary()], removed: [], events: [], hasMore: false });
    }
    await flushAsync();
  }
}

describe('a refused handshake', () => {
  it('ends in `unauthorized`: no further attempt, waiting and new requests fail with UNAUTHORIZED', async () => {
    const calls: ParleyError[] = [];
    const { wire, clock, chat } = await setup({ onAuthError: (error) => void calls.push(error) });
    const waiting = codeOf(chat.openDirect('bob'));
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token'));
    expect(chat.getSnapshot().connection).toMatchObject({ status: 'unauthorized', lastError: { code: ErrorCode.UNAUTHORIZED } });
    expect(calls.map((e) => e.message)).toEqual(['invalid token']);
    expect(await waiting).toBe(ErrorCode.UNAUTHORIZED);
    expect(await codeOf(chat.loadOlder('c1'))).toBe(ErrorCode.UNAUTHORIZED);
    // No retry: the same token would be refused again.
    clock.advance(60_000);
    expect(wire.opens).toBe(1);
    chat.close();
  });

  it('connects again on retry(), with a fresh token, and flushes what send() queued meanwhile', async () => {
    let actions: AuthErrorActions | undefined;
    let token = 'old';
    const { wire, chat } = await setup({ getToken: async () => token, onAuthError: (_e, a) => (actions = a) });
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'expired'));
    const queued = await chat.send('c1', 'kept');
    expect(queued.status).toBe('pending');
    token = 'new';
    actions?.retry();
    await flushAsync();
    expect(chat.getSnapshot().connection.status).toBe('connecting');
    expect(wire.opens).toBe(2);
    expect(wire.auths.at(-1)?.token).toBe('new');
    wire.accept();
    wire.push(welcome);
    expect(wire.frames('send').map((f) => f.clientMsgId)).toEqual([queued.clientMsgId]);
    chat.close();
  });

  it('ignores a retry() that comes after close()', async () => {
    let actions: AuthErrorActions | undefined;
    const { wire, chat } = await setup({ onAuthError: (_e, a) => (actions = a) });
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'expired'));
    chat.close();
    actions?.retry();
    await flushAsync();
    expect(wire.opens).toBe(1);
    expect(chat.getSnapshot().connection.status).toBe('closed');
  });
});

describe('watch', () => {
  it('asks for an answer and catches up only once the watch is in effect', async () => {
    const { wire, chat } = await setup();
    wire.accept();
    wire.push(welcome);
    await answerSyncs(wire);
    const syncsBefore = wire.frames('sync').length;
    chat.watch(['c1']);
    const watch = wire.frames('watch').at(-1) as WatchFrame;
    expect(watch.conversationIds).toEqual(['c1']);
    expect(watch.reqId).toBeTypeOf('string');
    await flushAsync();
    // A sync now could finish before the server joined the watch room, and miss a push.
    expect(wire.frames('sync').length).toBe(syncsBefore);
    wire.push({ type: 'watch.result', reqId: watch.reqId ?? '', conversationIds: ['c1'] });
    await flushAsync();
    expect(wire.frames('sync').length).toBe(syncsBefore + 1);
    chat.close();
  });

  it('on reconnect, tells the server the watch set before the catch-up sync goes out', async () => {
    const { wire, chat } = await setup();
    chat.watch(['c1']);
    wire.accept();
    wire.push(welcome);
    await flushAsync();
    const watch = wire.frames('watch').at(-1) as WatchFrame;
    expect(wire.frames('sync')).toEqual([]);
    wire.push({ type: 'watch.result', reqId: watch.reqId ?? '', conversationIds: ['c1'] });
    await flushAsync();
    expect(wire.frames('sync').length).toBe(1);
    chat.close();
  });
});
