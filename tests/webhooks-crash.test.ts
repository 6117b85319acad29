import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AckFrame } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import { receivedIds, startReceiverProcess } from './helpers/webhook-receiver-process.js';

const scope = testScope();
const SECRET = 'whsec-crash';

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-hooks-crash-'));
  scope.adopt({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}
/** The reference server with its SQLite store and webhooks from the environment, test-sized timing. */
async function start(dir: string, url: string): Promise<ReferenceProcess> {
  const server = await startReferenceProcess(['--dev', '--data-dir', dir], {
    PARLEY_WEBHOOK_URL: url,
    PARLEY_WEBHOOK_SECRET: SECRET,
    PARLEY_WEBHOOK_EVENTS: 'message',
    PARLEY_WEBHOOK_RETRY_MS: '100',
    PARLEY_WEBHOOK_MAX_RETRY_MS: '1000',
    PARLEY_WEBHOOK_MAX_ATTEMPTS: '1000',
    PARLEY_WEBHOOK_TIMEOUT_MS: '2000',
    PARLEY_WEBHOOK_LEASE_MS: '3000',
    PARLEY_WEBHOOK_POLL_MS: '100',
  });
  scope.adopt({ close: () => (server.child.exitCode === null ? server.kill() : undefined) });
  return server;
}
async function connect(server: ReferenceProcess, userId: string): Promise<WireClient> {
  const client = scope.adopt(await connectWire(server.url, { token: await server.issueToken(userId), deviceId: `${userId}-dev` }));
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}
async function group(owner: WireClient, members: string[]): Promise<string> {
  owner.send({ type: 'group.create', reqId: nextId('g-'), title: 'hooks', members });
  const created = await owner.waitFor((f) => f.type === 'conversation');
  if (created.type !== 'conversation') throw new Error('no group');
  return created.conversation.id;
}
function burst(clients: WireClient[], conversationId: string, perClient: number): void {
  clients.forEach((client, i) => {
    for (let n = 0; n < perClient; n++) client.send({ type: 'send', conversationId, clientMsgId: nextId(`w${i}-`), data: { text: `${i}:${n}` } });
  });
}
function ackedEventIds(clients: WireClient[]): string[] {
  return clients.flatMap((c) => c.frames.filter((f): f is AckFrame => f.type === 'ack').map((f) => f.eventId));
}

describe('webhooks survive crashes (reference server, SQLite)', () => {
  it('delivers every ACKed message after the server is SIGKILLed mid-stream and restarted on its data', async () => {
    const dir = dataDir();
    // A slow receiver, so a backlog is queued (and some attempts are in flight) when the server dies.
    const hook = scope.adopt(await startWebhookReceiver(SECRET, () => ({ status: 200, delayMs: 100 })));
    let server = await start(dir, hook.url);
    const owner = await connect(server, 'u0');
    const conversationId = await group(owner, ['u1']);
    const senders = [owner, await connect(server, 'u1')];
    burst(senders, conversationId, 150);
    await until(() => ackedEventIds(senders).length >= 40, 30_000, 'first acks');
    await server.kill();

    const acked = ackedEventIds(senders);
    const missingAtKill = acked.filter((id) => !hook.delivered().has(id));
    expect(missingAtKill.length).toBeGreaterThan(0); // the kill really left deliveries behind

    server = await start(dir, hook.url);
    await until(
      () => acked.every((id) => hook.delivered().has(id)),
      90_000,
      () => `every ACKed message delivered; missing ${acked.filter((id) => !hook.delivered().has(id)).length} of ${acked.length}`,
    );
    for (const id of acked) expect(hook.delivered().get(id)).toMatchObject({ id, type: 'message', conversationId });
    expect(hook.received.every((r) => r.error === null)).toBe(true);
  }, 180_000);

  it('delivers every message after the receiver is SIGKILLed mid-stream and restarted on its port later', async () => {
    const dir = dataDir();
    const log = join(dir, 'received.log');
    let receiver = await startReceiverProcess(0, SECRET, log);
    scope.adopt({ close: () => receiver.kill() });
    const server = await start(dir, receiver.url);
    const owner = await connect(server, 'u0');
    const conversationId = await group(owner, ['u1']);
    const senders = [owner, await connect(server, 'u1')];
    burst(senders, conversationId, 50);
    await until(() => receivedIds(log).length >= 10, 60_000, 'first deliveries');
    await receiver.kill();
    burst(senders, conversationId, 50);
    await until(() => ackedEventIds(senders).length === 200, 60_000, () => `200 acks, got ${ackedEventIds(senders).length}`);
    // The server keeps trying while nothing listens: wait until it has failed a few times.
    const refused = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = /parley_webhook_attempts_total\{[^}]*outcome="network"[^}]*\} (\d+)/.exec(text);
      return Number(line?.[1] ?? 0);
    };
    await until(async () => (await refused()) >= 3, 60_000, 'refused attempts while the receiver is down');
    const acked = ackedEventIds(senders);
    expect(acked.filter((id) => !receivedIds(log).includes(id)).length).toBeGreaterThan(0);

    receiver = await startReceiverProcess(receiver.port, SECRET, log);
    await until(
      () => {
        const got = new Set(receivedIds(log));
        return acked.every((id) => got.has(id));
      },
      90_000,
      () => `every message delivered; missing ${acked.filter((id) => !receivedIds(log).includes(id)).length} of ${acked.length}`,
    );
  }, 180_000);
});
