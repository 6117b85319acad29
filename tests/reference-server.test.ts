import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AckFrame, LogEvent } from '@parley/protocol';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { syncAll, until } from './helpers/fixtures.js';
import { testScope } from './helpers/scope.js';

// Adopted things close last first: clients, then their server process, then its data dir.
const scope = testScope();
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-ref-'));
  scope.adopt({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}
async function start(args: string[]): Promise<ReferenceProcess> {
  const server = await startReferenceProcess(args);
  scope.adopt({ close: () => (server.child.exitCode === null ? server.kill() : undefined) });
  return server;
}
async function connect(server: ReferenceProcess, userId: string, deviceId = `${userId}-dev`): Promise<WireClient> {
  const client = scope.adopt(await connectWire(server.url, { token: await server.issueToken(userId), deviceId }));
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

describe('parley-server, the reference server', () => {
  it('runs with the embedded SQLite store and development auth, and stops gracefully', async () => {
    const dir = dataDir();
    const server = await start(['--dev', '--data-dir', dir]);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true });
    const alice = await connect(server, 'alice');
    alice.send({ type: 'direct.open', reqId: 'o', userId: 'bob' });
    const opened = await alice.waitFor((f) => f.type === 'conversation');
    if (opened.type !== 'conversation') throw new Error('not opened');
    alice.send({ type: 'send', conversationId: opened.conversation.id, clientMsgId: 'persisted-1', data: { text: 'kept' } });
    await alice.waitFor((f) => f.type === 'ack');
    const disconnected = new Promise((resolve) => alice.socket.once('disconnect', resolve));
    expect(await server.stop()).toBe(0);
    await disconnected; // clients are told to go, not left hanging
    // The connected client's presence went offline before the store closed: nothing failed on the way out.
    expect(server.output()).not.toMatch(/"level":"error"/);

    const again = await start(['--dev', '--data-dir', dir]);
    const bob = await connect(again, 'bob');
    const { events } = await syncAll(bob, {});
    expect(events.filter((e) => e.kind === 'message').map((e) => (e.kind === 'message' ? e.data.text : ''))).toEqual(['kept']);
  });

  it('refuses to start without any authentication configured', async () => {
    await expect(startReferenceProcess(['--store', 'memory'])).rejects.toThrow(/no authentication configured/);
  });

  it('keeps every ACKed message, once, with its seq, when killed with SIGKILL mid-burst', async () => {
    const dir = dataDir();
    let server = await start(['--dev', '--data-dir', dir]);
    const owner = await connect(server, 'u0');
    owner.send({ type: 'group.create', reqId: 'g', title: 'burst', members: ['u1', 'u2', 'u3'] });
    const created = await owner.waitFor((f) => f.type === 'conversation');
    if (created.type !== 'conversation') throw new Error('no group');
    const group = created.conversation.id;
    const senders = [owner, ...(await Promise.all(['u1', 'u2', 'u3'].map((u) => connect(server, u))))];

    // Each sender fires a burst; the server is killed while frames are in flight.
    const sent = senders.map(() => [] as string[]);
    senders.forEach((client, i) => {
      for (let n = 0; n < 300; n++) {
        const clientMsgId = nextId(`b${i}-`);
        sent[i]!.push(clientMsgId);
        client.send({ type: 'send', conversationId: group, clientMsgId, data: { text: `${i}:${n}` } });
      }
    });
    await until(() => senders.some((c) => c.frames.filter((f) => f.type === 'ack').length > 20), 10_000, 'first acks');
    await server.kill();
    const acked = new Map<string, number>();
    for (const client of senders) {
      for (const f of client.frames) if (f.type === 'ack') acked.set(f.clientMsgId, (f as AckFrame).seq);
    }
    expect(acked.size).toBeGreaterThan(0);
    expect(acked.size).toBeLessThan(1200); // the kill really landed mid-burst

    server = await start(['--dev', '--data-dir', dir]);
    // Every client resends what it has not seen ACKed, with the same ids, like the SDK's outbox
    // does, backing off when the server rate-limits the catch-up burst.
    const again = await Promise.all(['u0', 'u1', 'u2', 'u3'].map((u) => connect(server, u, `${u}-dev`)));
    await Promise.all(
      again.map(async (client, i) => {
        const pending = new Set(sent[i]!.filter((id) => !acked.has(id)));
        for (let round = 0; pending.size > 0 && round < 60; round++) {
          const from = client.frames.length;
          const resent = [...pending];
          for (const clientMsgId of resent) client.send({ type: 'send', conversationId: group, clientMsgId, data: { text: 'retry' } });
          const answered = (id: string) => client.frames.slice(from).some((f) => (f.type === 'ack' || f.type === 'nack') && f.clientMsgId === id);
          await until(() => resent.every(answered), 30_000, () => `answers to ${resent.filter((id) => !answered(id)).length} resends`);
          for (const f of client.frames) if (f.type === 'ack') pending.delete(f.clientMsgId);
          // Refused (rate-limited) ones go again after a pause, as the SDK's outbox backs off.
          if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
        }
        expect(pending.size).toBe(0);
      }),
    );
    expect(again.flatMap((c) => c.frames).filter((f) => f.type === 'nack' && !f.retryable)).toEqual([]);

    const logs = await Promise.all(again.map(async (client) => (await syncAll(client, { [group]: 0 })).events));
    const messages = (log: LogEvent[]) => log.filter((e) => e.kind === 'message');
    const reference = logs[0]!;
    expect(reference.map((e) => e.seq)).toEqual(Array.from({ length: reference.length }, (_, i) => i + 1));
    expect(messages(reference)).toHaveLength(1200); // every message exactly once
    const bySeq = new Map(messages(reference).map((e) => [e.kind === 'message' ? e.clientMsgId : '', e.seq]));
    for (const [clientMsgId, seq] of acked) expect(bySeq.get(clientMsgId)).toBe(seq); // ACKed before the crash, same seq after
    for (const log of logs) expect(log).toEqual(reference); // every client converges to the same log
  }, 120_000);
});
