import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, type LogEvent, type NackFrame } from '@parley/protocol';
import { createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import { createGroup, isAck } from './helpers/fixtures.js';
import { nextId } from './helpers/wire-client.js';

const scope = testScope();
const dir = mkdtempSync(join(tmpdir(), 'parley-send-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The server's default send limit (50/s, burst 200): 400 sends in a row get refused on the way. */
const DEFAULT_SEND_LIMIT = { perSecond: 50, burst: 200 };

const stores: Array<[string, () => ChatStore]> = [
  ['memory', () => createMemoryStore()],
  ['SQLite', () => createSqliteStore({ filename: join(dir, `${nextId('db')}.sqlite`) })],
];

/** The texts a sender's messages were stored with, in seq order, read from the store itself. */
async function storedTexts(store: ChatStore, conversationId: string, senderId: string): Promise<string[]> {
  const events = await store.readAfter(conversationId, 0, 10_000);
  return events
    .filter((e): e is Extract<LogEvent, { kind: 'message' }> => e.kind === 'message' && e.senderId === senderId)
    .map((e) => e.data.text ?? '');
}

/** Every message the client shows in the conversation is stored, and there are `n`. */
const allSent = (id: string, n: number) => (c: ChatClient) => {
  const messages = c.getMessages(id);
  return messages.length === n && messages.every((m) => m.status === 'sent');
};

/**
 * A store whose appends fail now and then, the way a database connection does in a blip
 * (a plain Error, not a ParleyError).
 */
function flakyStore(inner: ChatStore, failEvery: number): ChatStore & { failures: number } {
  let calls = 0;
  const wrapped = Object.create(inner) as ChatStore & { failures: number };
  wrapped.failures = 0;
  wrapped.append = async (input) => {
    if (input.kind === 'message' && ++calls % failEvery === 0) {
      wrapped.failures++;
      throw new Error('connection reset by peer');
    }
    return inner.append(input);
  };
  return wrapped;
}

describe.each(stores)("a sender's messages are stored in the order it sent them (%s store)", (_name, makeStore) => {
  it('holds when the rate limit refuses sends on the way (400 sends, default limits)', async () => {
    const store = makeStore();
    const s = await scope.server({ store, rateLimits: { sends: DEFAULT_SEND_LIMIT } });
    const alice = scope.client(s, 'alice');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    const sent = Array.from({ length: 400 }, (_, i) => `m${i}`);
    for (const text of sent) await alice.send(id, text);
    await waitFor(alice, allSent(id, 400), 90_000, 'all 400 sent');
    expect(await storedTexts(store, id, 'alice')).toEqual(sent);
  });

  it('holds when the store fails now and then, and the sender sees UNAVAILABLE, not INTERNAL', async () => {
    const store = flakyStore(makeStore(), 7);
    const s = await scope.server({ store });
    const alice = scope.client(s, 'alice');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    const sent = Array.from({ length: 150 }, (_, i) => `m${i}`);
    for (const text of sent) await alice.send(id, text);
    await waitFor(alice, allSent(id, 150), 90_000, 'all 150 sent');
    expect(store.failures).toBeGreaterThan(10);
    expect(await storedTexts(store, id, 'alice')).toEqual(sent);

    const wire = await scope.wire(s, 'alice');
    const clientMsgIds = Array.from({ length: 7 }, () => nextId('blip-'));
    for (const clientMsgId of clientMsgIds) wire.send({ type: 'send', conversationId: id, clientMsgId, data: { text: 'x' } });
    const nack = await wire.waitFor((f): f is NackFrame => f.type === 'nack' && f.code !== ErrorCode.OUT_OF_ORDER);
    expect(nack).toMatchObject({ code: ErrorCode.UNAVAILABLE, retryable: true });
  });

  it('keeps each device of one user in its own order when both send at once under the limit', async () => {
    const store = makeStore();
    const s = await scope.server({ store, rateLimits: { sends: { perSecond: 40, burst: 10 } } });
    const phone = scope.client(s, 'alice', { deviceId: 'alice-phone' });
    const laptop = scope.client(s, 'alice', { deviceId: 'alice-laptop' });
    await waitFor(phone, online);
    await waitFor(laptop, online);
    const { id } = await phone.openDirect('bob');
    await Promise.all([phone, laptop].map(async (c, d) => {
      for (let i = 0; i < 60; i++) await c.send(id, `${d}:${i}`);
    }));
    for (const device of [phone, laptop]) await waitFor(device, allSent(id, 120), 90_000, 'all 120 sent on each device');
    const stored = await storedTexts(store, id, 'alice');
    expect(stored).toHaveLength(120);
    for (const d of [0, 1]) {
      expect(stored.filter((t) => t.startsWith(`${d}:`))).toEqual(Array.from({ length: 60 }, (_, i) => `${d}:${i}`));
    }
  });
});

describe('order across a reload and a server restart, under the rate limit', () => {
  const devSecret = 'a-dev-secret-long-enough-for-hs256!!';

  it('a reloaded client (same storage and device) goes on in order from its stored outbox', async () => {
    const store = createMemoryStore();
    const s = await scope.server({ store, rateLimits: { sends: { perSecond: 30, burst: 5 } } });
    const storage = createMemoryStorage();
    const before = scope.client(s, 'alice', { storage, deviceId: 'alice-web' });
    await waitFor(before, online);
    const { id } = await before.openDirect('bob');
    const sent = Array.from({ length: 80 }, (_, i) => `m${i}`);
    for (const text of sent) await before.send(id, text);
    // The tab goes away mid-burst, some sends refused and some not yet sent.
    await waitFor(before, (c) => c.getMessages(id).filter((m) => m.status === 'sent').length >= 10, 30_000, 'ten stored');
    before.close();
    const after = scope.client(s, 'alice', { storage, deviceId: 'alice-web' });
    await waitFor(after, allSent(id, 80), 90_000, 'all 80 sent after the reload');
    expect(await storedTexts(store, id, 'alice')).toEqual(sent);
  });

  it('a server restart mid-burst (same SQLite file) keeps the order', async () => {
    const filename = join(dir, `${nextId('restart')}.sqlite`);
    const limits = { sends: { perSecond: 30, burst: 5 } };
    const first = await scope.server({ store: createSqliteStore({ filename }), rateLimits: limits, devSecret });
    const port = Number(new URL(first.url).port);
    const alice = scope.client(first, 'alice', { deviceId: 'alice-web' });
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    const sent = Array.from({ length: 80 }, (_, i) => `m${i}`);
    for (const text of sent) await alice.send(id, text);
    await waitFor(alice, (c) => c.getMessages(id).filter((m) => m.status === 'sent').length >= 10, 30_000, 'ten stored');
    await first.close();
    const store = createSqliteStore({ filename });
    await scope.server({ store, port, rateLimits: limits, devSecret });
    await waitFor(alice, allSent(id, 80), 90_000, 'all 80 sent after the restart');
    expect(await storedTexts(store, id, 'alice')).toEqual(sent);
  });
});

describe('SEND `after`: the server stores a message only after the device’s previous one', () => {
  it('refuses a send whose predecessor is not stored with a retryable OUT_OF_ORDER, and stores nothing', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['alice', 'bob']);
    const [first, second] = [nextId('first-'), nextId('second-')];
    alice.send({ type: 'send', conversationId: group, clientMsgId: second, after: first, data: { text: 'second' } });
    const nack = await alice.waitFor((f): f is NackFrame => f.type === 'nack' && f.clientMsgId === second);
    expect(nack).toMatchObject({ code: ErrorCode.OUT_OF_ORDER, retryable: true, conversationId: group });
    expect(await storedTexts(s.store, group, 'alice')).toEqual([]);

    // Sent in order, the same two are stored in order; a repeat of the first is the original ack.
    alice.send({ type: 'send', conversationId: group, clientMsgId: first, data: { text: 'first' } });
    alice.send({ type: 'send', conversationId: group, clientMsgId: second, after: first, data: { text: 'second' } });
    alice.send({ type: 'send', conversationId: group, clientMsgId: first, data: { text: 'first' } });
    await alice.waitFor(() => alice.frames.filter(isAck).length === 3);
    // The repeat of `first` may be answered as soon as the first copy is (before `second`).
    const acks = alice.frames.filter(isAck).map((a) => [a.clientMsgId, a.seq, a.duplicate]);
    expect(acks).toHaveLength(3);
    expect(acks).toEqual(expect.arrayContaining([[first, 2, false], [second, 3, false], [first, 2, true]]));
    expect(await storedTexts(s.store, group, 'alice')).toEqual(['first', 'second']);
  });

  it('NACKs a send refused by the frame budget, naming it, so the outbox backs off instead of waiting for an ack timeout', async () => {
    const s = await scope.server({ rateLimits: { frames: { perSecond: 0.1, burst: 3 } } });
    const alice = await scope.wire(s, 'alice');
    const group = await createGroup(alice, ['alice', 'bob']);
    const ids = [nextId('a-'), nextId('b-'), nextId('c-')];
    for (const clientMsgId of ids) alice.send({ type: 'send', conversationId: group, clientMsgId, data: { text: 'x' } });
    const refused = await alice.waitFor((f): f is NackFrame => f.type === 'nack' && f.code === ErrorCode.RATE_LIMITED);
    expect(refused).toMatchObject({ conversationId: group, retryable: true });
    expect(ids).toContain(refused.clientMsgId);
  });

  it('accepts a predecessor stored through another connection of the same user (asks the store)', async () => {
    const s = await scope.server();
    const tabOne = await scope.wire(s, 'alice', 'alice-laptop');
    const group = await createGroup(tabOne, ['alice', 'bob']);
    const first = nextId('first-');
    tabOne.send({ type: 'send', conversationId: group, clientMsgId: first, data: { text: 'first' } });
    await tabOne.waitFor((f) => isAck(f) && f.clientMsgId === first);
    tabOne.close();
    const tabTwo = await scope.wire(s, 'alice', 'alice-laptop');
    const second = nextId('second-');
    tabTwo.send({ type: 'send', conversationId: group, clientMsgId: second, after: first, data: { text: 'second' } });
    await tabTwo.waitFor((f) => isAck(f) && f.clientMsgId === second);
    expect(await storedTexts(s.store, group, 'alice')).toEqual(['first', 'second']);
  });
});
