import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FRAME_EVENT,
  parseServerFrame,
  type ClientFrame,
  type ConversationFrame,
  type ConversationSummary,
  type LogEvent,
  type ServerFrame,
  type SyncResultFrame,
} from '@parley/protocol';
import { FerretdbProcess, findFerretdb } from './chaos/harness/ferretdb-process.js';
import { until } from './helpers/fixtures.js';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';

const binary = findFerretdb();
const DB = 'parley_crash_reads';
const env = (ferret: FerretdbProcess) => ({ MONGODB_URI: `${ferret.uri}${DB}`, PARLEY_DEV_SECRET: 'crash-reads-dev-secret-32-bytes-long!!' });
if (!binary && process.env.CI === 'true') throw new Error('FerretDB is required in CI: .ci/services/ferretdb.sh builds it');

let dir = '';
let ferret: FerretdbProcess | undefined;
const nodes: ReferenceProcess[] = [];
const wires: WireClient[] = [];

async function wireAs(node: ReferenceProcess, userId: string): Promise<WireClient> {
  const wire = await connectWire(node.url, { token: await node.issueToken(userId), deviceId: nextId(`${userId}-`) });
  wires.push(wire);
  await wire.waitFor((f) => f.type === 'welcome', 30_000);
  return wire;
}

/**
 * Sends numbered messages, four in flight, until stopped; `acked` holds what the server ACKed
 * (text by seq), and `closed` resolves once the socket is gone, i.e. after every frame it got.
 */
function burst(wire: WireClient, conversationId: string, prefix: string) {
  const acked = new Map<number, string>();
  const pending = new Map<string, string>();
  let stopped = false;
  let sent = 0;
  const next = () => {
    if (stopped || !wire.socket.connected) return;
    const clientMsgId = nextId(`${prefix}-`);
    const text = `${prefix} ${sent++}`;
    pending.set(clientMsgId, text);
    wire.send({ type: 'send', conversationId, clientMsgId, data: { text } });
  };
  wire.socket.on(FRAME_EVENT, (raw: unknown) => {
    const parsed = parseServerFrame(raw);
    if (!parsed.ok) return;
    const frame = parsed.frame;
    if ((frame.type !== 'ack' && frame.type !== 'nack') || !pending.has(frame.clientMsgId)) return;
    if (frame.type === 'ack') acked.set(frame.seq, pending.get(frame.clientMsgId)!);
    pending.delete(frame.clientMsgId);
    next();
  });
  const closed = new Promise<void>((resolve) => wire.socket.once('disconnect', () => resolve()));
  for (let i = 0; i < 4; i++) next();
  return { acked, closed, stop: () => void (stopped = true) };
}

/** A request with a generous deadline: on a busy machine FerretDB answers slowly. */
async function ask<T extends ServerFrame>(wire: WireClient, frame: ClientFrame & { reqId: string }): Promise<T> {
  const answer = wire.waitFor((f) => 'reqId' in f && f.reqId === frame.reqId, 60_000);
  wire.send(frame);
  return (await answer) as T;
}

async function rest<T>(node: ReferenceProcess, userId: string, path: string): Promise<T> {
  const res = await fetch(`${node.url}${path}`, { headers: { authorization: `Bearer ${await node.issueToken(userId)}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every message of the conversation, newest page first as an app shows it, walking back to seq 1. */
async function restHistory(node: ReferenceProcess, userId: string, id: string): Promise<Map<number, string>> {
  const texts = new Map<number, string>();
  let query = 'limit=100';
  for (;;) {
    const page = await rest<{ events: LogEvent[]; next: { before: number } | null }>(node, userId, `/api/conversations/${id}/messages?${query}`);
    for (const e of page.events) if (e.kind === 'message') texts.set(e.seq, e.data.text ?? '');
    if (!page.next) return texts;
    query = `limit=100&before=${page.next.before}`;
  }
}

const messagesOf = (result: SyncResultFrame) =>
  new Map(result.events.flatMap((e) => (e.kind === 'message' ? [[e.seq, e.data.text] as const] : [])));

afterEach(async () => {
  for (const wire of wires.splice(0)) wire.close();
  for (const node of nodes.splice(0)) if (node.child.exitCode === null) await node.kill();
  await ferret?.stop();
  ferret = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!binary)('MongoDB store: every ACKed message stays readable after a crash', () => {
  it('after SIGKILL of both nodes and FerretDB mid-burst, history and sync on a restarted node reach every ACKed message', async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-crash-reads-'));
    ferret = await FerretdbProcess.start(binary!, dir);
    const start = async () => {
      const node = await startReferenceProcess(['--dev', '--store', 'mongodb'], env(ferret!));
      nodes.push(node);
      return node;
    };
    const [a, b] = [await start(), await start()];
    const alice = await wireAs(a, 'alice');
    const bob = await wireAs(b, 'bob');
    const opened = await ask<ConversationFrame>(alice, { type: 'direct.open', reqId: nextId(), userId: 'bob' });
    if (opened.type !== 'conversation') throw new Error(`direct.open failed: ${JSON.stringify(opened)}`);
    const id = opened.conversation.id;

    // Two nodes append to one conversation at once, then everything dies mid-burst.
    const bursts = [burst(alice, id, 'alice'), burst(bob, id, 'bob')];
    await until(() => bursts[0]!.acked.size + bursts[1]!.acked.size >= 40, 180_000, '40 ACKs');
    bursts.forEach((s) => s.stop());
    await Promise.all([a.kill(), b.kill(), ferret.kill()]);
    // Every ACK the nodes sent before they died has arrived once their sockets are closed.
    await Promise.all(bursts.map((s) => s.closed));
    const acked = new Map([...bursts[0]!.acked, ...bursts[1]!.acked]);
    const last = Math.max(...acked.keys());
    await ferret.start();

    // The conversation's lastSeq hint as an unfinished or lost $max leaves it (a kill between
    // the insert and the $max, or FerretDB's non-atomic $max losing to a concurrent one).
    const client = await MongoClient.connect(ferret.uri);
    try {
      await client.db(DB).collection<{ _id: string; lastSeq: number }>('parley_conversations').updateOne(
        { _id: id, lastSeq: { $gte: last } },
        { $set: { lastSeq: last - 1 } },
      );
    } finally {
      await client.close();
    }

    // Nothing new is sent: a restarted node must show every ACKed message from the log alone.
    const node = await start();
    const history = await restHistory(node, 'bob', id);
    for (const [seq, text] of acked) expect(history.get(seq), `REST history at seq ${seq}`).toBe(text);

    const list = await rest<{ conversations: ConversationSummary[] }>(node, 'bob', '/api/conversations');
    expect(list.conversations.find((c) => c.id === id)?.lastSeq).toBeGreaterThanOrEqual(last);

    const reader = await wireAs(node, 'bob');
    const fresh = await ask<SyncResultFrame>(reader, { type: 'sync', reqId: nextId(), cursors: [] });
    expect(fresh.conversations.find((c) => c.id === id)?.lastSeq).toBeGreaterThanOrEqual(last);
    expect(messagesOf(fresh).get(last), 'the newest ACKed message in a fresh device’s tail').toBe(acked.get(last));
    const behind = await ask<SyncResultFrame>(reader, { type: 'sync', reqId: nextId(), cursors: [{ conversationId: id, seq: last - 1 }] });
    expect(messagesOf(behind).get(last), 'the newest ACKed message after a cursor just before it').toBe(acked.get(last));
  }, 240_000);
});
