import { describe, expect, it } from 'vitest';
import { ErrorCode, type ServerFrame, type TypingUpdateFrame } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import type { TestServer } from './helpers/test-server.js';
import { testScope } from './helpers/scope.js';
import { online, texts, waitFor } from './helpers/sdk.js';
import { createGroup, sendText } from './helpers/fixtures.js';
import type { WireClient } from './helpers/wire-client.js';

const scope = testScope();
const server = scope.server;
const client = (s: TestServer, userId: string) => scope.client(s, userId);
const wire = (s: TestServer, userId: string) => scope.wire(s, userId);


const typingIn = (chat: ChatClient, id: string) => chat.getSnapshot().typing[id] ?? [];
const typingFrames = (w: WireClient) => w.frames.filter((f: ServerFrame): f is TypingUpdateFrame => f.type === 'typing.update');

describe('typing indicators over real sockets', () => {
  it('shows who is typing and stops showing it by itself', async () => {
    const s = await server({ typingTtlMs: 300 });
    const alice = client(s, 'alice');
    const bob = client(s, 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');
    await waitFor(bob, (c) => c.getConversation(id) !== undefined);
    alice.typing(id);
    await waitFor(bob, (c) => typingIn(c, id).includes('alice'), 5000, 'typing shown');
    expect(typingIn(alice, id)).toEqual([]);
    await waitFor(bob, (c) => typingIn(c, id).length === 0, 5000, 'typing expired');
  });

  it('clears the indicator when that user’s message arrives', async () => {
    const s = await server({ typingTtlMs: 60_000 });
    const alice = client(s, 'alice');
    const bob = client(s, 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.createGroup({ members: ['bob'] });
    await waitFor(bob, (c) => c.getConversation(id) !== undefined);
    alice.typing(id);
    await waitFor(bob, (c) => typingIn(c, id).includes('alice'), 5000, 'typing shown');
    await alice.send(id, 'done typing');
    await waitFor(bob, (c) => texts(c, id).includes('done typing'), 5000, 'message');
    expect(typingIn(bob, id)).toEqual([]);
  });

  it('throttles typing on the client: a burst of keystrokes sends one frame', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const bob = await wire(s, 'bob');
    await waitFor(alice, online);
    const { id } = await alice.openDirect('bob');
    for (let i = 0; i < 20; i++) alice.typing(id);
    await bob.waitFor((f) => f.type === 'typing.update');
    await alice.send(id, 'sentinel');
    await bob.waitFor((f) => f.type === 'event' && f.event.kind === 'message');
    expect(typingFrames(bob)).toHaveLength(1);
  });

  it('tells a non-member nothing, and refuses a non-member’s typing', async () => {
    const s = await server();
    const alice = await wire(s, 'alice');
    const bob = await wire(s, 'bob');
    const mallory = await wire(s, 'mallory');
    const id = await createGroup(alice, ['bob']);
    mallory.send({ type: 'typing', conversationId: id });
    const refused = await mallory.waitFor((f) => f.type === 'error');
    expect(refused).toMatchObject({ code: ErrorCode.NOT_FOUND });
    alice.send({ type: 'typing', conversationId: id });
    await bob.waitFor((f) => f.type === 'typing.update');
    await sendText(alice, id, 'sentinel');
    await bob.waitFor((f) => f.type === 'event' && f.event.kind === 'message');
    expect(typingFrames(bob).map((f) => f.userId)).toEqual(['alice']);
    expect(mallory.frames.filter((f) => f.type === 'typing.update' || f.type === 'event')).toEqual([]);
  });
});
