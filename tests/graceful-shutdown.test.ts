import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION } from '@parley/protocol';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { startTestServer } from './helpers/test-server.js';
import { expectRefused, nextId } from './helpers/wire-client.js';
import { connectAs, openDirect } from './helpers/fixtures.js';

/** A store whose appends take a while, so a shutdown lands while a send is being stored. */
function slowAppends(store: ChatStore, ms: number): ChatStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'append' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, ms));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('graceful shutdown', () => {
  it('finishes sends in flight (their ACKs go out), refuses new connections, then disconnects', async () => {
    const store = createMemoryStore();
    const server = await startTestServer({ store: slowAppends(store, 300) });
    const alice = await connectAs(server, 'alice');
    const id = await openDirect(alice, 'bob');
    const clientMsgId = nextId('drain-');
    alice.send({ type: 'send', conversationId: id, clientMsgId, data: { text: 'in flight' } });
    await new Promise((r) => setTimeout(r, 50)); // the append is under way

    const disconnected = new Promise((resolve) => alice.socket.once('disconnect', resolve));
    const closing = server.chat.close({ drainMs: 5_000 });
    const refused = await expectRefused(server.url, { token: await server.token('carol'), deviceId: 'c1', protocol: PROTOCOL_VERSION });
    expect(refused.data).toMatchObject({ code: ErrorCode.UNAVAILABLE, retryable: true });
    await closing;
    await disconnected;
    expect(alice.frames.find((f) => f.type === 'ack' && f.clientMsgId === clientMsgId)).toBeDefined();
    expect((await store.readAfter(id, 0, 10)).filter((e) => e.kind === 'message')).toHaveLength(1);
    await server.close();
  });
});
