import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { createGroup, liveTexts, sendText, until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';
import { nextId, type WireClient } from './helpers/wire-client.js';

const WAIT = 30_000;
const COUNTED = ['getConversation', 'getMember', 'listMembers', 'append', 'findEvent'] as const;

/** The real memory store, with the calls the send path may make counted. */
function countedStore() {
  const store = createMemoryStore();
  const calls = Object.fromEntries(COUNTED.map((name) => [name, 0])) as Record<(typeof COUNTED)[number], number>;
  const wrapped: ChatStore = Object.create(store);
  for (const name of COUNTED) {
    const original = store[name].bind(store) as (...args: unknown[]) => unknown;
    (wrapped as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls[name]++;
      return original(...args);
    };
  }
  return { store: wrapped, calls, reset: () => COUNTED.forEach((name) => (calls[name] = 0)) };
}

async function refused(client: WireClient, conversationId: string, text: string) {
  const clientMsgId = nextId('m-');
  client.send({ type: 'send', conversationId, clientMsgId, data: { text } });
  return client.waitFor((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === clientMsgId, WAIT);
}

describe('the send path with the membership cache', () => {
  const scope = testScope();

  it('reads the conversation and appends, and nothing else: no member read, no member list for the fan-out', async () => {
    const { store, calls, reset } = countedStore();
    const s = await scope.server({ store });
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const g = await createGroup(alice, ['bob', 'carol']);
    await sendText(alice, g, 'warm');
    reset();
    for (let i = 0; i < 10; i++) await sendText(i % 2 ? bob : alice, g, `m${i}`);
    expect(calls).toEqual({ getConversation: 10, getMember: 0, listMembers: 0, append: 10, findEvent: 0 });
    // And every member got every message live, the sender's other connections included.
    await until(() => liveTexts(bob, g).filter((t) => t.startsWith('m')).length === 5, WAIT, 'bob to get alice`s messages');
    await until(() => liveTexts(alice, g).filter((t) => t.startsWith('m')).length === 5, WAIT, 'alice to get bob`s messages');
  });

  it('refuses a member removed through the server API at their next send, and pushes them nothing after', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const bob = await scope.wire(s, 'bob');
    const g = await createGroup(alice, ['bob', 'carol']);
    await sendText(bob, g, 'hello');
    await sendText(alice, g, 'hi bob');
    await s.chat.api.removeMembers(g, ['bob'], { by: 'alice' });
    expect(await refused(bob, g, 'still here?')).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    await sendText(alice, g, 'secret');
    const carol = await scope.wire(s, 'carol');
    await sendText(carol, g, 'seen by carol');
    await until(() => liveTexts(alice, g).includes('seen by carol'), WAIT, 'alice to get carol`s message');
    expect(liveTexts(bob, g)).not.toContain('secret');
    expect(liveTexts(bob, g)).not.toContain('seen by carol');
  });

  it('lets a member added through the server API send at once, and pushes them the next message', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const dave = await scope.wire(s, 'dave');
    const g = await createGroup(alice, ['bob']);
    await sendText(alice, g, 'before dave');
    expect(await refused(dave, g, 'let me in')).toMatchObject({ type: 'nack', code: ErrorCode.NOT_FOUND });
    await s.chat.api.addMembers(g, ['dave'], { by: 'alice' });
    await sendText(dave, g, 'hi all');
    await sendText(alice, g, 'welcome dave');
    await until(() => liveTexts(dave, g).includes('welcome dave'), WAIT, 'dave to get the welcome');
  });
});
