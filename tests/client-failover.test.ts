import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createChatClient, createMemoryStorage, type ChatClient } from '@parley/client-sdk';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { requireRedis, startRedis, type RedisProcess } from './helpers/redis-server.js';
import { online, sentTexts, waitFor } from './helpers/sdk.js';

const hasRedis = requireRedis();
const DEV_SECRET = 'failover-dev-secret-at-least-32-bytes!!';
/** Generous: nodes start from TypeScript sources on a shared, busy machine. Passing waits return at once. */
const WAIT = 60_000;

let redis: RedisProcess;
let dataDir: string;
const nodes: ReferenceProcess[] = [];
const chats: ChatClient[] = [];

async function startNode(): Promise<ReferenceProcess> {
  const node = await startReferenceProcess(['--dev', '--store', 'sqlite', '--data-dir', dataDir], {
    REDIS_URL: redis.url,
    PARLEY_DEV_SECRET: DEV_SECRET,
  });
  nodes.push(node);
  return node;
}

/** A client of `urls` (one node or a list); tokens come from any node still running (they share the secret). */
function client(urls: string | string[], userId: string): ChatClient {
  const chat = createChatClient({
    url: urls,
    getToken: () => nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null)!.issueToken(userId),
    storage: createMemoryStorage(),
    deviceId: `${userId}-device`,
    reconnect: { baseMs: 50, maxMs: 500 },
    ackTimeoutMs: 2000,
  });
  chats.push(chat);
  return chat;
}

function describeChat(chat: ChatClient, id: string): string {
  const { status, lastError } = chat.getSnapshot().connection;
  const held = chat.getMessages(id).map((m) => `${m.seq ?? '?'}${m.status[0]}:${m.text}`).join(' ');
  return `connection ${status} (${lastError?.message ?? 'no error'}); holds ${held}`;
}

describe.skipIf(!hasRedis)('a client given several nodes', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      for (const [i, node] of nodes.entries()) console.error(`--- node ${i} output:\n${node.output().slice(-3000)}`);
    }
    for (const chat of chats.splice(0)) chat.close();
    for (const node of nodes.splice(0)) if (node.child.exitCode === null && node.child.signalCode === null) await node.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails over when its node is killed: it keeps sending and receiving, every message once and in order', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-failover-'));
    const [a, b] = [await startNode(), await startNode()];
    // Alice's list starts with node A, so she is on the node that dies; bob only knows node B.
    const alice = client([a.url, b.url], 'alice');
    const bob = client(b.url, 'bob');
    await waitFor(alice, online, WAIT, 'alice online');
    await waitFor(bob, online, WAIT, 'bob online');
    const { id } = await alice.openDirect('bob');

    const expected: string[] = [];
    for (let n = 0; n < 30; n += 1) {
      expected.push(`alice ${n}`);
      await alice.send(id, `alice ${n}`);
      if (n === 10) await a.kill();
    }
    for (let n = 0; n < 5; n += 1) {
      expected.push(`bob ${n}`);
      await bob.send(id, `bob ${n}`);
    }

    const all = (chat: ChatClient) => sentTexts(chat, id).length === expected.length;
    for (const [name, chat] of [['alice', alice], ['bob', bob]] as const) {
      await waitFor(chat, all, WAIT, `${name} holds every message`).catch((err: unknown) => {
        throw new Error(`${String(err)}; ${name}: ${describeChat(chat, id)}`);
      });
    }
    expect(alice.getSnapshot().connection.status).toBe('online');
    const order = sentTexts(alice, id);
    for (const chat of [alice, bob]) {
      const messages = chat.getMessages(id);
      const seqs = messages.map((m) => m.seq);
      expect(new Set(seqs).size).toBe(expected.length);
      expect(seqs).toEqual([...seqs].sort((x, y) => (x ?? 0) - (y ?? 0)));
      // Both devices show one log; `send()` resolves once queued, so the two senders may interleave.
      expect(messages.map((m) => m.text)).toEqual(order);
    }
    for (const sender of ['alice', 'bob']) {
      expect(order.filter((t) => t.startsWith(`${sender} `))).toEqual(expected.filter((t) => t.startsWith(`${sender} `)));
    }
  });
});
