import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Limits, type ConversationSummary } from '@parley/protocol';
import { createMemoryStorage } from '@parley/client-sdk';
import { createMemoryStore, type ChatStore } from '@parley/server-sdk';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { testScope } from './helpers/scope.js';
import { waitFor } from './helpers/sdk.js';
import { nextId } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';

/**
 * Anyone can put a user into many conversations: her sync and her conversation list must still
 * come in bounded frames and pages, and reach every conversation.
 */
const COUNT = 1500;
const T0 = 1_700_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'parley-sync-paging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stores: Array<[string, () => ChatStore]> = [
  ['memory', () => createMemoryStore()],
  ['SQLite', () => createSqliteStore({ filename: join(dir, `${nextId('db')}.sqlite`) }, { synchronous: 'NORMAL' })],
];

/** Puts alice into `COUNT` groups straight through the store; groups of three share a timestamp. */
async function fillStore(store: ChatStore): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const id = `g-${String(i).padStart(4, '0')}`;
    ids.push(id);
    await store.createConversation({
      id, kind: 'group', title: `group ${i}`, createdBy: `owner-${i % 7}`, members: [`owner-${i % 7}`, 'alice'], directKey: null,
      ts: T0 + Math.floor(i / 3),
    });
  }
  return ids;
}

/** Sizes (bytes of the transport packet) and summary counts of every sync.result the server sends. */
function watchSyncFrames(server: TestServer): Array<{ bytes: number; summaries: number }> {
  const seen: Array<{ bytes: number; summaries: number }> = [];
  server.chat.io.engine.on('connection', (socket: { on(event: 'packetCreate', fn: (packet: { data?: unknown }) => void): void }) => {
    socket.on('packetCreate', (packet) => {
      if (typeof packet.data !== 'string' || !packet.data.includes('"sync.result"')) return;
      const [, frame] = JSON.parse(packet.data.slice(packet.data.indexOf('['))) as [string, { conversations: unknown[] }];
      seen.push({ bytes: Buffer.byteLength(packet.data), summaries: frame.conversations.length });
    });
  });
  return seen;
}

describe.each(stores)('a user in %s conversations on the %s store'.replace('%s', String(COUNT)), (_name, makeStore) => {
  const scope = testScope();

  it('syncs every conversation to the client in bounded frames', { timeout: 180_000 }, async () => {
    const server = await scope.server({ store: makeStore() });
    const ids = await fillStore(server.store);
    const frames = watchSyncFrames(server);
    const alice = scope.client(server, 'alice');
    await waitFor(alice, (c) => c.getSnapshot().conversations.length === COUNT, 120_000, `all ${COUNT} conversations`);

    const listed = alice.getSnapshot().conversations;
    expect(listed.map((c) => c.id).sort()).toEqual(ids);
    expect(listed.find((c) => c.id === 'g-0042')).toMatchObject({ title: 'group 42' });
    expect(frames.length).toBeGreaterThan(COUNT / Limits.maxSyncSummaries);
    expect(Math.max(...frames.map((f) => f.summaries))).toBeLessThanOrEqual(Limits.maxSyncSummaries);
    expect(Math.max(...frames.map((f) => f.bytes))).toBeLessThan(Limits.maxFrameBytes);
  });

  it('pages GET /api/conversations over every conversation once, newest first', { timeout: 180_000 }, async () => {
    const server = await scope.server({ store: makeStore() });
    const ids = await fillStore(server.store);
    const token = await server.token('alice');
    const get = async (query: string) => {
      const res = await fetch(`${server.url}/api/conversations${query}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as { conversations: ConversationSummary[]; hasMore: boolean; next: string | null } };
    };
    const seen: ConversationSummary[] = [];
    let query = '?limit=70';
    for (let page = 0; page < 100; page++) {
      const { status, body } = await get(query);
      expect(status).toBe(200);
      expect(body.conversations.length).toBeLessThanOrEqual(70);
      seen.push(...body.conversations);
      if (!body.hasMore) break;
      query = `?limit=70&cursor=${encodeURIComponent(body.next!)}`;
    }
    expect(seen.map((c) => c.id).sort()).toEqual(ids);
    expect(new Set(seen.map((c) => c.id)).size).toBe(COUNT);
    const times = seen.map((c) => c.lastActivityAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const first = await get('');
    expect(first.body.conversations.length).toBe(Limits.maxSyncSummaries);
    expect((await get('?limit=100000')).body.conversations.length).toBe(Limits.maxSyncSummaries);
    expect((await get('?cursor=nonsense')).status).toBe(400);
    expect((await get('?limit=-1')).status).toBe(400);
  });

  it('brings a returning client up to date: removals, new messages, and what it already held untouched', { timeout: 180_000 }, async () => {
    const server = await scope.server({ store: makeStore() });
    const ids = await fillStore(server.store);
    const storage = createMemoryStorage();
    const first = scope.client(server, 'alice', { storage, deviceId: 'alice-laptop' });
    await waitFor(first, (c) => c.getSnapshot().conversations.length === COUNT, 120_000, 'first sync');
    // The cache is written behind the snapshot: close() resolves once it has landed, so the
    // second client opens the storage the first one left.
    await first.close();

    // While she is away: removed from 150 conversations spread over the list, a message in 150 others.
    const gone = ids.filter((_, i) => i % 10 === 0);
    const busy = ids.filter((_, i) => i % 10 === 5);
    for (const id of gone) await server.store.removeMembers(id, ['alice']);
    for (const [n, id] of busy.entries()) {
      await server.store.append({ conversationId: id, senderId: 'owner-1', clientMsgId: `away-${n}-0001`, ts: T0 + 10_000 + n, kind: 'message', data: { text: `while away ${n}` } });
    }

    const frames = watchSyncFrames(server);
    const again = scope.client(server, 'alice', { storage, deviceId: 'alice-laptop' });
    const expected = ids.filter((id) => !gone.includes(id)).sort();
    await waitFor(
      again,
      (c) => {
        const list = c.getSnapshot().conversations;
        return list.length === expected.length && busy.every((id) => list.find((x) => x.id === id)?.lastSeq === 2);
      },
      120_000,
      'the returning client to converge',
    );
    expect(again.getSnapshot().conversations.map((c) => c.id).sort()).toEqual(expected);
    expect(Math.max(...frames.map((f) => f.bytes))).toBeLessThan(Limits.maxFrameBytes);
    // Held conversations that did not change cost no summary: far fewer than the whole list come back.
    expect(frames.reduce((sum, f) => sum + f.summaries, 0)).toBeLessThan(COUNT / 2);
  });
});
