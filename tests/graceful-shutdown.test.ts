import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION } from '@parley/protocol';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { expectRefused, nextId } from './helpers/wire-client.js';
import { openDirect } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();

/** A store whose appends wait for the test, so a shutdown lands while a send is being stored. */
function gatedAppends(store: ChatStore): { store: ChatStore; started: Promise<void>; release(): void } {
  let started!: () => void;
  let release!: () => void;
  const startedOnce = new Promise<void>((resolve) => (started = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const gated = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'append' || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        started();
        await gate;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: gated, started: startedOnce, release };
}

describe('graceful shutdown', () => {
  it('finishes sends in flight (their ACKs go out), refuses new connections, then disconnects', async () => {
    const store = createMemoryStore();
    const appends = gatedAppends(store);
    const server = await scope.server({ store: appends.store });
    const alice = await scope.wire(server, 'alice');
    const id = await openDirect(alice, 'bob');
    const clientMsgId = nextId('drain-');
    alice.send({ type: 'send', conversationId: id, clientMsgId, data: { text: 'in flight' } });
    await appends.started; // the append is under way (and held)

    const disconnected = new Promise((resolve) => alice.socket.once('disconnect', resolve));
    const closing = server.chat.close({ drainMs: 30_000 });
    const refused = await expectRefused(server.url, { token: await server.token('carol'), deviceId: 'c1', protocol: PROTOCOL_VERSION });
    expect(refused.data).toMatchObject({ code: ErrorCode.UNAVAILABLE, retryable: true });
    appends.release();
    await closing;
    await disconnected;
    expect(alice.frames.find((f) => f.type === 'ack' && f.clientMsgId === clientMsgId)).toBeDefined();
    expect((await store.readAfter(id, 0, 10)).filter((e) => e.kind === 'message')).toHaveLength(1);
  });
});
