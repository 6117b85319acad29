import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, isParleyError } from '@parley/protocol';
import { createChatCore } from '../client/chat-client.js';
import { systemTimers } from '../core/timers.js';
import { createIndexedDbStorage } from '../storage/indexeddb-storage.js';
import type { ChatClient } from '../types.js';
import { createTabClient } from './tab-client.js';
import type { TabEnvironment } from './tab-environment.js';
import { createFakeWire } from '../../test/support/fake-wire.js';
import { createMemoryLocks } from '../../test/support/memory-locks.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/** Tabs of one origin in this process, each leader's connection on its own fake wire. */
function origin() {
  const dbName = `tab-auth-${Math.random().toString(36).slice(2)}`;
  const env: TabEnvironment = { locks: createMemoryLocks(), openChannel: (name) => new BroadcastChannel(name) as unknown as ReturnType<TabEnvironment['openChannel']> };
  const wires: ReturnType<typeof createFakeWire>[] = [];
  const openTab = (): ChatClient => {
    const storage = createIndexedDbStorage({ dbName });
    const tab = createTabClient({
      storage, env, timers: systemTimers, logger: console, requestTimeoutMs: 2_000, autoConnect: true,
      createCore: ({ initialState, onCommit }) => {
        const wire = createFakeWire();
        wires.push(wire);
        return createChatCore({ url: 'http://parley.test', getToken: () => 'tok', deviceId: 'd1', storage }, { transport: wire.factory, initialState, onCommit });
      },
    });
    closers.push(() => tab.close(), () => storage.close());
    return tab;
  };
  return { openTab, wires };
}

const status = (tab: ChatClient) => tab.getSnapshot().connection.status;

describe('tabs whose connection is refused', () => {
  it('show `unauthorized` in every tab, and connect() in any tab starts the leader\'s connection again', async () => {
    const tabs = origin();
    const leader = tabs.openTab();
    await until(() => tabs.wires[0]?.opens === 1, 'the leader\'s first attempt');
    const wire = tabs.wires[0]!;
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token'));
    expect(status(leader)).toBe('unauthorized');

    const follower = tabs.openTab();
    await until(() => status(follower) === 'unauthorized', 'the follower to see it');
    const refused = await follower.openDirect('bob').catch((err: unknown) => err);
    expect(isParleyError(refused) && refused.code).toBe(ErrorCode.UNAUTHORIZED);

    // The app signed in again in the follower tab: the one connection, in the leader, tries again.
    follower.connect();
    await until(() => wire.opens === 2, 'a new attempt from the follower\'s connect()');
    await until(() => status(follower) === 'connecting', 'the follower to see the attempt');
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'still invalid'));
    await until(() => status(follower) === 'unauthorized', 'refused again');
    leader.connect();
    expect(wire.opens).toBe(3);
    expect(tabs.wires).toHaveLength(1);
  });
});
