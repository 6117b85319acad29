import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, ParleyError, PROTOCOL_VERSION, isParleyError, type SyncFrame } from '@parley/protocol';
import { createChatClientWith } from './chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createFakeWire, createManualTimers, flushAsync } from '../../test/support/fake-wire.js';
import { message, summary } from '../../test/support/fixtures.js';
import type { ClientStorage } from '../storage/client-storage.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;

async function setup(options: { storage?: ClientStorage; autoConnect?: boolean } = {}) {
  const wire = createFakeWire();
  const clock = createManualTimers();
  const chat = createChatClientWith(
    { url: 'http://parley.test', getToken: async () => 'tok', deviceId: 'd1', ackTimeoutMs: 5_000, reconnect: { baseMs: 1_000, maxMs: 8_000 }, ...options },
    { transport: wire.factory, timers: clock.timers },
  );
  await flushAsync();
  return { wire, clock, chat };
}

/** Accepts the connection, welcomes it and answers the first sync with conversation c1. */
async function online(wire: ReturnType<typeof createFakeWire>, events = [message(1, 'bob')]) {
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq: events.length })], removed: [], events, hasMore: false });
  await flushAsync();
}

describe('createChatClient over a fake wire', () => {
  it('authenticates every attempt with fresh credentials and the protocol version', async () => {
    const { wire, chat } = await setup();
    expect(wire.auths).toEqual([{ token: 'tok', deviceId: 'd1', protocol: PROTOCOL_VERSION }]);
    expect(chat.getSnapshot().connection.status).toBe('connecting');
    chat.close();
  });

  it('syncs after welcome and shows the log', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    expect(wire.frames('sync')[0]?.cursors).toEqual([]);
    const snap = chat.getSnapshot();
    expect(snap.connection.status).toBe('online');
    expect(snap.userId).toBe('me');
    expect(chat.getMessages('c1').map((m) => m.text)).toEqual(['text 1']);
    expect(chat.getConversation('c1')?.unread).toBe(0);
    chat.close();
  });

  it('keeps a message in the outbox while offline and flushes it in order after welcome', async () => {
    const storage = createMemoryStorage();
    const { wire, chat } = await setup({ storage });
    const a = await chat.send('c1', 'first');
    const b = await chat.send('c1', 'second');
    expect(a.status).toBe('pending');
    expect((await storage.outbox.list()).map((e) => e.text)).toEqual(['first', 'second']);
    expect(wire.frames('send')).toEqual([]);
    await online(wire, []);
    expect(wire.frames('send').map((f) => f.clientMsgId)).toEqual([a.clientMsgId, b.clientMsgId]);
    chat.close();
  });

  it('resends the same clientMsgId after the ack timeout, and settles on the ack', async () => {
    const storage = createMemoryStorage();
    const { wire, clock, chat } = await setup({ storage });
    await online(wire);
    const sent = await chat.send('c1', 'hello');
    clock.advance(5_000);
    const sends = wire.frames('send');
    expect(sends.map((f) => f.clientMsgId)).toEqual([sent.clientMsgId, sent.clientMsgId]);
    wire.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.clientMsgId ?? '', eventId: 'e2', seq: 2, ts: 5, duplicate: false });
    await flushAsync();
    expect(chat.getMessages('c1').map((m) => [m.key, m.status, m.seq])).toEqual([
      ['c1-e1', 'sent', 1],
      [sent.key, 'sent', 2],
    ]);
    expect(await storage.outbox.list()).toEqual([]);
    clock.advance(60_000);
    expect(wire.frames('send')).toHaveLength(2);
    chat.close();
  });

  it('marks a message failed on a definitive nack, and retry sends it again with the same id', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    const sent = await chat.send('c1', 'hello');
    wire.push({ type: 'nack', conversationId: 'c1', clientMsgId: sent.key, code: ErrorCode.FORBIDDEN, message: 'no', retryable: false });
    expect(chat.getMessages('c1').at(-1)).toMatchObject({ key: sent.key, status: 'failed', error: { code: ErrorCode.FORBIDDEN } });
    await chat.retry(sent.key);
    expect(chat.getMessages('c1').at(-1)?.status).toBe('pending');
    expect(wire.frames('send').map((f) => f.clientMsgId)).toEqual([sent.key, sent.key]);
    await chat.discard(sent.key);
    expect(chat.getMessages('c1')).toHaveLength(1);
    chat.close();
  });

  it('rejects invalid input locally with BAD_FRAME', async () => {
    const { chat } = await setup();
    await expect(chat.send('c1', '')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    await expect(chat.send('bad id!', 'x')).rejects.toSatisfy(isParleyError);
    await expect(chat.openDirect('')).rejects.toMatchObject({ code: ErrorCode.BAD_FRAME });
    chat.close();
  });

  it('fills a gap with a sync naming only that conversation', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    wire.push({ type: 'event', event: message(4, 'bob') });
    const gapFill = wire.frames('sync').at(-1);
    expect(gapFill).toMatchObject({ only: true, cursors: [{ conversationId: 'c1', seq: 1 }] });
    wire.push({ type: 'sync.result', reqId: gapFill?.reqId ?? '', conversations: [], removed: [], events: [message(2), message(3)], hasMore: false });
    await flushAsync();
    expect(chat.getMessages('c1').map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(chat.getConversation('c1')?.unread).toBe(3);
    chat.close();
  });

  it('resolves openDirect with the summary and rejects with the server error code', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    const opened = chat.openDirect('bob');
    const req = wire.frames('direct.open')[0];
    wire.push({ type: 'conversation', reqId: req?.reqId, conversation: summary({ id: 'd-bob', kind: 'direct', title: null, lastSeq: 1 }) });
    await expect(opened).resolves.toMatchObject({ id: 'd-bob' });
    expect(chat.getConversation('d-bob')).toBeDefined();

    const failed = chat.addMembers('c1', ['zed']);
    const add = wire.frames('members.add')[0];
    wire.push({ type: 'error', reqId: add?.reqId, code: ErrorCode.NOT_FOUND, message: 'not found', retryable: false });
    await expect(failed).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    chat.close();
  });

  it('times out unanswered requests and rejects requests made while closed', async () => {
    const { wire, clock, chat } = await setup();
    await online(wire);
    const pending = chat.createGroup({ members: ['bob'] });
    clock.advance(15_000);
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    chat.close();
    await expect(chat.openDirect('bob')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
  });

  it('reconnects with full-jitter backoff and shows when the next attempt is', async () => {
    const { wire, clock, chat } = await setup();
    await online(wire);
    wire.drop();
    let conn = chat.getSnapshot().connection;
    expect(conn).toMatchObject({ status: 'reconnecting', attempt: 1 });
    // random() is 0.5 here: half of the first ceiling (baseMs).
    expect(conn.nextAttemptAt).toBe(clock.now + 500);
    clock.advance(500);
    expect(wire.opens).toBe(2);
    wire.refuse(new ParleyError(ErrorCode.UNAVAILABLE, 'server is shutting down'));
    conn = chat.getSnapshot().connection;
    expect(conn).toMatchObject({ status: 'reconnecting', attempt: 2, lastError: { code: ErrorCode.UNAVAILABLE } });
    expect(conn.nextAttemptAt).toBe(clock.now + 1_000);
    clock.advance(1_000);
    expect(wire.opens).toBe(3);
    await online(wire);
    expect(chat.getSnapshot().connection).toEqual({ status: 'online', attempt: 0 });
    chat.close();
  });

  it('stops in upgrade-required when the server no longer speaks its protocol, and close releases every timer', async () => {
    const { wire, clock, chat } = await setup();
    wire.refuse(new ParleyError(ErrorCode.UNSUPPORTED_PROTOCOL, 'upgrade'));
    expect(chat.getSnapshot().connection).toMatchObject({ status: 'upgrade-required', lastError: { code: ErrorCode.UNSUPPORTED_PROTOCOL } });
    // No attempt is scheduled: only an update of the app can help.
    const opens = wire.opens;
    clock.advance(10 * 60_000);
    expect(wire.opens).toBe(opens);
    chat.close();
    expect(clock.pendingCount()).toBe(0);

    const other = await setup();
    await online(other.wire);
    await other.chat.send('c1', 'x');
    other.chat.close();
    expect(other.clock.pendingCount()).toBe(0);
  });

  it('keeps trying, slowly and saying server-outdated, when the server is older than its protocol', async () => {
    const { wire, clock, chat } = await setup();
    wire.refuse(new ParleyError(ErrorCode.UNSUPPORTED_PROTOCOL, 'server speaks protocol 2'));
    const state = chat.getSnapshot().connection;
    expect(state).toMatchObject({ status: 'server-outdated', attempt: 1, lastError: { code: ErrorCode.UNSUPPORTED_PROTOCOL } });
    const opens = wire.opens;
    clock.advance((state.nextAttemptAt ?? 0) - clock.now);
    expect(wire.opens).toBe(opens + 1);
    // The attempt in progress still says why the app cannot talk yet.
    expect(chat.getSnapshot().connection.status).toBe('server-outdated');
    await online(wire);
    expect(chat.getSnapshot().connection).toEqual({ status: 'online', attempt: 0 });
    chat.close();
  });

  it('ignores invalid frames', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    const before = chat.getSnapshot();
    wire.push({ type: 'event', event: { kind: 'message', seq: -1 } } as Record<string, unknown>);
    wire.push({ type: 'nope' });
    expect(chat.getSnapshot()).toBe(before);
    chat.close();
  });

  it('notifies subscribers only when the snapshot changes', async () => {
    const { wire, chat } = await setup();
    await online(wire);
    let calls = 0;
    const unsubscribe = chat.subscribe(() => (calls += 1));
    wire.push({ type: 'event', event: message(1, 'bob') });
    expect(calls).toBe(0);
    wire.push({ type: 'event', event: message(2, 'bob') });
    expect(calls).toBe(1);
    unsubscribe();
    wire.push({ type: 'event', event: message(3, 'bob') });
    expect(calls).toBe(1);
    chat.close();
  });

  it('keeps the device id and the outbox across a restart on the same storage', async () => {
    const storage = createMemoryStorage();
    const first = createChatClientWith({ url: 'x', getToken: () => 't', storage, autoConnect: false }, { transport: createFakeWire().factory, timers: createManualTimers().timers });
    await flushAsync();
    await first.send('c1', 'survives');
    first.close();
    const wire = createFakeWire();
    const second = createChatClientWith({ url: 'x', getToken: () => 't', storage }, { transport: wire.factory, timers: createManualTimers().timers });
    await flushAsync();
    expect(second.getMessages('c1').map((m) => [m.text, m.status])).toEqual([['survives', 'pending']]);
    const deviceId = await storage.meta.get('deviceId');
    expect(wire.auths[0]?.deviceId).toBe(deviceId);
    await online(wire, []);
    expect(wire.frames('send').map((f) => f.data.text)).toEqual(['survives']);
    second.close();
  });

  describe('with a runtime that reports the network', () => {
    afterEach(() => vi.unstubAllGlobals());

    it('goes offline without retrying, and reconnects at once when the network is back', async () => {
      const target = new EventTarget();
      vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
      vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
      const { wire, clock, chat } = await setup();
      await online(wire);
      target.dispatchEvent(new Event('offline'));
      expect(chat.getSnapshot().connection.status).toBe('offline');
      clock.advance(60_000);
      expect(wire.opens).toBe(1);
      await expect(chat.openDirect('bob')).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
      target.dispatchEvent(new Event('online'));
      expect(wire.opens).toBe(2);
      await online(wire);
      chat.close();
      // Listeners are released on close.
      target.dispatchEvent(new Event('online'));
      expect(wire.opens).toBe(2);
    });
  });
});
