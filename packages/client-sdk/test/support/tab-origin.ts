import { afterEach } from 'vitest';
import { PROTOCOL_VERSION, type SyncFrame } from '@parley/protocol';
import { createChatCore } from '../../src/client/chat-client.js';
import { systemTimers } from '../../src/core/timers.js';
import { createIndexedDbStorage } from '../../src/storage/indexeddb-storage.js';
import type { ChatClient, ChatClientOptions } from '../../src/types.js';
import { createTabClient } from '../../src/tabs/tab-client.js';
import type { TabEnvironment } from '../../src/tabs/tab-environment.js';
import { createFakeWire } from './fake-wire.js';
import { createMemoryLocks } from './memory-locks.js';
import { message, summary } from './fixtures.js';

export const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Resolves once `check` holds, letting IndexedDB, channels and timers run meanwhile. */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/**
 * Tabs of one origin in this process: one database, Node's BroadcastChannel, in-memory Web Locks,
 * each leader's connection on its own fake wire. Everything opened is closed after each test.
 */
export function origin(options: Partial<ChatClientOptions> = {}) {
  const dbName = `tabs-${Math.random().toString(36).slice(2)}`;
  const env: TabEnvironment = { locks: createMemoryLocks(), openChannel: (name) => new BroadcastChannel(name) as unknown as ReturnType<TabEnvironment['openChannel']> };
  const wires: ReturnType<typeof createFakeWire>[] = [];
  const openTab = (): ChatClient => {
    const storage = createIndexedDbStorage({ dbName });
    const tab = createTabClient({
      storage, env, timers: systemTimers, logger: console, requestTimeoutMs: 2_000, autoConnect: true,
      createCore: ({ initialState, onCommit }) => {
        const wire = createFakeWire();
        wires.push(wire);
        return createChatCore(
          { url: 'http://parley.test', getToken: () => 'tok', deviceId: 'd1', storage, ackTimeoutMs: 60_000, ...options },
          { transport: wire.factory, initialState, onCommit },
        );
      },
    });
    closers.push(() => tab.close(), () => storage.close());
    return tab;
  };
  return { openTab, wires, dbName };
}

export type Origin = ReturnType<typeof origin>;

/** Accepts a leader's connection and answers its first sync with conversation c1. */
export async function serve(wire: ReturnType<typeof createFakeWire>): Promise<void> {
  await until(() => wire.opens > 0 && wire.auths.length > 0, 'a connection attempt');
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq: 1 })], removed: [], events: [message(1)], hasMore: false });
}

/** A served leader tab and a follower that mirrors it. */
export async function leaderAndFollower(tabs: Origin): Promise<{ leader: ChatClient; follower: ChatClient }> {
  const leader = tabs.openTab();
  await until(() => tabs.wires.length === 1, 'a leader');
  await serve(tabs.wires[0]!);
  const follower = tabs.openTab();
  await until(() => follower.getSnapshot().connection.status === 'online', 'the follower to mirror');
  return { leader, follower };
}
