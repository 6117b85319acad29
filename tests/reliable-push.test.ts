import { describe, expect, it } from 'vitest';
import type { AckFrame, NackFrame } from '@parley/protocol';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { isEvent, openDirect, until } from './helpers/fixtures.js';
import { nextId } from './helpers/wire-client.js';

const scope = testScope();

describe('a stored message reaches its members even if the push fails', () => {
  it('retries the push when reading the member list fails right after the message is stored', async () => {
    const inner = createMemoryStore();
    const store = Object.create(inner) as ChatStore;
    let failMembers = 0;
    let armed = false;
    store.listMembers = (...args) => (failMembers-- > 0 ? Promise.reject(new Error('connection reset')) : inner.listMembers(...args));
    // The store blips while the push reads who to tell: right after the message is stored.
    store.append = async (input) => {
      const result = await inner.append(input);
      if (armed && input.kind === 'message') failMembers = 3;
      return result;
    };
    const s = await scope.server({ store });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const conversationId = await openDirect(alice, 'bob');
    await bob.waitFor((f) => f.type === 'conversation');

    armed = true;
    // Your backend's message: no device of the sender keeps the member list warm on this node.
    const { event } = await s.chat.api.send({ conversationId, senderId: 'alice', text: 'are you there?' });
    expect(event.seq).toBeGreaterThan(0);
    // Nothing else happens in the conversation: only the retried push can bring it.
    const pushed = await bob.waitFor((f) => isEvent(f) && f.event.kind === 'message', 30_000);
    expect(pushed).toMatchObject({ event: { data: { text: 'are you there?' } } });
    expect(failMembers).toBeLessThan(0);
  });

  it('refuses a send, retryably and storing nothing, when the member list cannot be read before it', async () => {
    const inner = createMemoryStore();
    const store = Object.create(inner) as ChatStore;
    let failMembers = 0;
    store.listMembers = (...args) => (failMembers-- > 0 ? Promise.reject(new Error('connection reset')) : inner.listMembers(...args));
    const s = await scope.server({ store });
    const alice = await scope.wire(s, 'alice');
    const conversationId = await openDirect(alice, 'bob');
    failMembers = 1;
    const clientMsgId = nextId('m-');
    alice.send({ type: 'send', conversationId, clientMsgId, data: { text: 'first try' } });
    const answer = await alice.waitFor((f): f is AckFrame | NackFrame => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId);
    expect(answer).toMatchObject({ type: 'nack', retryable: true });
    expect((await inner.readAfter(conversationId, 0, 10)).filter((e) => e.kind === 'message')).toEqual([]);
    // The device's retry is stored.
    alice.send({ type: 'send', conversationId, clientMsgId, data: { text: 'first try' } });
    await alice.waitFor((f) => f.type === 'ack' && f.clientMsgId === clientMsgId);
  });

  it('answers a copy of a send still being stored with the same result, without storing it twice', async () => {
    const inner = createMemoryStore();
    const store = Object.create(inner) as ChatStore;
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let messageAppends = 0;
    store.append = async (input) => {
      if (input.kind === 'message') {
        messageAppends++;
        await gate;
      }
      return inner.append(input);
    };
    const s = await scope.server({ store });
    const alice = await scope.wire(s, 'alice');
    const conversationId = await openDirect(alice, 'bob');
    const clientMsgId = nextId('slow-');
    for (let i = 0; i < 3; i++) alice.send({ type: 'send', conversationId, clientMsgId, data: { text: 'slow' } });
    await until(() => s.chat.metrics.frames.get({ type: 'send' }) === 3, 20_000, 'all three copies taken in');
    release();
    await alice.waitFor(() => alice.frames.filter((f) => f.type === 'ack').length === 3);
    const acks = alice.frames.filter((f): f is AckFrame => f.type === 'ack');
    expect(new Set(acks.map((a) => a.seq)).size).toBe(1);
    expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
    expect((await inner.readAfter(conversationId, 0, 10)).filter((e) => e.kind === 'message')).toHaveLength(1);
    expect(messageAppends).toBe(1); // the copies waited for the first one's answer
  });
});
