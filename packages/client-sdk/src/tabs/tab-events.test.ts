import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION, type SyncFrame } from '@parley/protocol';
import { createChatCore } from '../client/chat-client.js';
import { systemTimers } from '../core/timers.js';
import { createIndexedDbStorage } from '../storage/indexeddb-storage.js';
import type { ChatClient } from '../types.js';
import { createTabClient } from './tab-client.js';
import type { TabEnvironment } from './tab-environment.js';
import { createFakeWire } from '../../test/support/fake-wire.js';
import { createMemoryLocks } from '../../test/support/memory-locks.js';
import { message, summary } from '../../test/support/fixtures.js';

const welcome = { type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} } as const;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Resolves once `check` holds, letting IndexedDB, channels and timers run meanwhile. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`never happened: ${what}`);
}

/** Tabs of one origin in this process: one database, Node's BroadcastChannel, in-memory Web Locks. */
function origin() {
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
          { url: 'http://parley.test', getToken: () => 'tok', deviceId: 'd1', storage, ackTimeoutMs: 60_000 },
          { transport: wire.factory, initialState, onCommit },
        );
      },
    });
    closers.push(() => tab.close(), () => storage.close());
    return tab;
  };
  return { openTab, wires, dbName };
}

/** Accepts a leader's connection and answers its first sync with conversation c1. */
async function serve(wire: ReturnType<typeof createFakeWire>): Promise<void> {
  await until(() => wire.opens > 0 && wire.auths.length > 0, 'a connection attempt');
  wire.accept();
  wire.push(welcome);
  const sync = wire.frames('sync').at(-1) as SyncFrame;
  wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq: 1 })], removed: [], events: [message(1)], hasMore: false });
}

/** A served leader tab and a follower that mirrors it. */
async function leaderAndFollower(tabs: ReturnType<typeof origin>): Promise<{ leader: ChatClient; follower: ChatClient }> {
  const leader = tabs.openTab();
  await until(() => tabs.wires.length === 1, 'a leader');
  await serve(tabs.wires[0]!);
  const follower = tabs.openTab();
  await until(() => follower.getSnapshot().connection.status === 'online', 'the follower to mirror');
  return { leader, follower };
}

describe('events and sign-out across tabs', () => {
  it('fires message once per arrival in the leader and in a follower, and ack in the tab that sees it', async () => {
    const tabs = origin();
    const { leader, follower } = await leaderAndFollower(tabs);
    await until(() => follower.getMessages('c1').length === 1, 'the follower to mirror');
    const seen = { leader: [] as number[], follower: [] as number[] };
    leader.on('message', (m) => seen.leader.push(m.seq ?? -1));
    follower.on('message', (m) => seen.follower.push(m.seq ?? -1));
    const acks: string[] = [];
    follower.on('ack', (a) => acks.push(a.clientMsgId));
    const sent = await follower.send('c1', 'mine');
    await until(() => tabs.wires[0]!.frames('send').length === 1, 'the send');
    tabs.wires[0]!.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.key, eventId: 'e2', seq: 2, ts: 2, duplicate: false });
    tabs.wires[0]!.push({ type: 'event', event: message(3) });
    tabs.wires[0]!.push({ type: 'event', event: message(3) });
    await until(() => follower.getMessages('c1').length === 3, 'the arrivals in the follower');
    expect(seen).toEqual({ leader: [2, 3], follower: [2, 3] });
    expect(acks).toEqual([sent.key]);
  });

  it('signOut in a follower closes every tab and deletes the shared database', async () => {
    const tabs = origin();
    const { leader, follower } = await leaderAndFollower(tabs);
    await follower.send('c1', 'queued');
    await until(() => tabs.wires[0]!.frames('send').length === 1, 'the send');
    await follower.signOut();
    await until(() => leader.getSnapshot().connection.status === 'closed', 'the leader to close');
    expect(leader.getSnapshot().connection.lastError?.code).toBe(ErrorCode.UNAUTHORIZED);
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).not.toContain(tabs.dbName);
  });
});
