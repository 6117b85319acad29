import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, createMemoryStorage, uuidv7, type ChatEvents } from '@parley/client-sdk';
import { testScope } from './helpers/scope.js';
import { online, sentTexts, texts, waitFor } from './helpers/sdk.js';

const scope = testScope();

async function pair() {
  const s = await scope.server();
  const alice = scope.client(s, 'alice');
  const bob = scope.client(s, 'bob');
  await waitFor(alice, online);
  await waitFor(bob, online);
  const { id } = await alice.openDirect('bob');
  return { s, alice, bob, id };
}

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  const err = await promise.then(() => new Error('resolved'), (e: unknown) => e);
  expect(err).toBeInstanceOf(ParleyError);
  return err as ParleyError;
}

describe('send() errors a developer can act on', () => {
  it('rejects empty, over-long and bad-id sends with BAD_FRAME and a readable message, storing nothing', async () => {
    const { alice, id } = await pair();
    const tooLong = await rejection(alice.send(id, 'x'.repeat(8001)));
    expect(tooLong.code).toBe(ErrorCode.BAD_FRAME);
    expect(tooLong.message).toMatch(/^A message can be at most 8,000 characters/);
    const empty = await rejection(alice.send(id, ''));
    expect([empty.code, empty.message]).toEqual([ErrorCode.BAD_FRAME, "A message can't be empty"]);
    const badConv = await rejection(alice.send('no such id!', 'hi'));
    expect(badConv.message).toBe("That conversation id isn't valid");
    const badId = await rejection(alice.send(id, 'hi', { clientMsgId: 'my-draft-1' }));
    expect(badId.message).toMatch(/^clientMsgId must be a lowercase UUIDv7/);
    expect(alice.getMessages(id)).toEqual([]);
  });
});

describe('send() with the app\'s own clientMsgId', () => {
  it('keeps the id, and sending it twice stores and shows the message once', async () => {
    const { alice, bob, id } = await pair();
    const draftId = uuidv7();
    const first = await alice.send(id, 'from my draft', { clientMsgId: draftId });
    const again = await alice.send(id, 'from my draft', { clientMsgId: draftId });
    expect([first.clientMsgId, again.key]).toEqual([draftId, draftId]);
    await waitFor(alice, (c) => sentTexts(c, id).length === 1, 10_000, 'ack');
    const late = await alice.send(id, 'from my draft', { clientMsgId: draftId });
    expect(late).toMatchObject({ status: 'sent', clientMsgId: draftId });
    await waitFor(bob, (c) => texts(c, id).length === 1, 10_000, 'delivery');
    await alice.send(id, 'next');
    await waitFor(bob, (c) => texts(c, id).length === 2, 10_000, 'second delivery');
    expect(texts(bob, id)).toEqual(['from my draft', 'next']);
    expect(texts(alice, id)).toEqual(['from my draft', 'next']);
  });
});

describe('typed events', () => {
  it('fires message once per arrival, ack for own stored messages, connection changes, and unsubscribes', async () => {
    const { s, alice, bob, id } = await pair();
    const bobMessages: ChatEvents['message'][] = [];
    const aliceMessages: ChatEvents['message'][] = [];
    const acks: ChatEvents['ack'][] = [];
    const offBob = bob.on('message', (m) => bobMessages.push(m));
    alice.on('message', (m) => aliceMessages.push(m));
    alice.on('ack', (a) => acks.push(a));
    const sent = await alice.send(id, 'one');
    await waitFor(bob, (c) => texts(c, id).length === 1, 10_000, 'delivery');
    await waitFor(alice, (c) => sentTexts(c, id).length === 1, 10_000, 'ack');
    expect(bobMessages).toMatchObject([{ text: 'one', senderId: 'alice', seq: 2, conversationId: id }]);
    expect(aliceMessages).toMatchObject([{ text: 'one', status: 'sent', seq: 2 }]);
    expect(acks).toEqual([{ clientMsgId: sent.clientMsgId, conversationId: id, seq: 2, id: expect.any(String) }]);

    // History is not an arrival: a fresh device's first sync and loadOlder fire nothing.
    const laptop = scope.client(s, 'bob');
    const laptopMessages: unknown[] = [];
    laptop.on('message', (m) => laptopMessages.push(m));
    const statuses: string[] = [];
    laptop.on('connection', (c) => statuses.push(c.status));
    await waitFor(laptop, (c) => texts(c, id).length === 1, 10_000, 'laptop sync');
    expect(laptopMessages).toEqual([]);
    expect(statuses).toContain('online');

    offBob();
    await alice.send(id, 'two');
    await waitFor(laptop, (c) => texts(c, id).length === 2, 10_000, 'second delivery');
    await waitFor(bob, (c) => texts(c, id).length === 2, 10_000, 'second delivery to bob');
    expect(laptopMessages).toMatchObject([{ text: 'two', seq: 3 }]);
    expect(bobMessages).toHaveLength(1);
    laptop.close();
    expect(statuses.at(-1)).toBe('closed');
  });
});

describe('signOut()', () => {
  it('closes the client and deletes its local data, queued messages included', async () => {
    const s = await scope.server();
    const storage = createMemoryStorage();
    const alice = scope.client(s, 'alice', { storage });
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'stored');
    await waitFor(alice, (c) => sentTexts(c, id).length === 1, 10_000, 'ack');
    await s.close(); // what is sent now stays queued
    await alice.send(id, 'queued');
    expect((await storage.outbox.list()).map((e) => e.text)).toEqual(['queued']);
    await alice.signOut();
    expect(alice.getSnapshot().connection.status).toBe('closed');
    expect(await storage.outbox.list()).toEqual([]);
    expect(await storage.conversations.list()).toEqual([]);
    expect(await storage.meta.get('deviceId')).toBeUndefined();
  });
});
