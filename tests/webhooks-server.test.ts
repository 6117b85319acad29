import { describe, expect, it } from 'vitest';
import { testScope } from './helpers/scope.js';
import { createGroup, isAck, sendText, until } from './helpers/fixtures.js';
import { nextId } from './helpers/wire-client.js';
import { changeOk } from './helpers/changes.js';
import { startWebhookReceiver } from './helpers/webhook-receiver.js';
import { FAST } from './helpers/webhook-setup.js';

const scope = testScope();
const SECRET = 'whsec-server';

describe('webhooks through createChatServer', () => {
  it('queues every stored event before its ACK and delivers what clients wrote, erased once deleted', async () => {
    let up = false;
    const hook = scope.adopt(await startWebhookReceiver(SECRET, () => ({ status: up ? 200 : 503 })));
    // Attempts enough to outlast the outage, however slow this machine is today.
    const server = await scope.server({ webhooks: { ...FAST, maxAttempts: 10_000, endpoints: [{ name: 'app', url: hook.url, secret: SECRET }] } });
    const alice = await scope.wire(server, 'alice');
    const conversationId = await createGroup(alice, ['bob']);
    const kept = await sendText(alice, conversationId, 'kept');
    const gone = await sendText(alice, conversationId, 'gone soon');

    // ACKed means queued: the receiver is down, and both messages wait in the queue.
    const waiting = await server.chat.webhooks!.list({ state: 'pending' });
    expect(waiting.map((d) => d.eventId)).toEqual(expect.arrayContaining([kept.eventId, gone.eventId]));

    const deleted = await changeOk(alice, conversationId, gone.eventId, { kind: 'delete' });
    up = true;
    await until(
      () => [kept.eventId, gone.eventId, deleted.eventId].every((id) => hook.delivered().has(id)),
      30_000,
      () => `the deliveries; got ${JSON.stringify([...hook.delivered().values()].map((p) => p.type))}`,
    );
    expect(hook.delivered().get(kept.eventId)).toMatchObject({ type: 'message', conversationId, seq: kept.seq, senderId: 'alice', data: { text: 'kept' } });
    expect(hook.delivered().get(gone.eventId)).toMatchObject({ type: 'message', seq: gone.seq, data: {} });
    expect(hook.delivered().get(deleted.eventId)).toMatchObject({ type: 'message.deleted', data: { messageId: gone.eventId } });
    expect(hook.received.filter((r) => r.status === 200).map((r) => r.body).join('\n')).not.toContain('gone soon');
    // Membership events go through the same step: the group's creation is delivered too.
    await until(() => [...hook.delivered().values()].some((p) => p.type === 'conversation.created'), 30_000, 'conversation.created');
  }, 120_000);

  it('a repeated send queues nothing twice', async () => {
    const hook = scope.adopt(await startWebhookReceiver(SECRET));
    const server = await scope.server({ webhooks: { ...FAST, endpoints: [{ name: 'app', url: hook.url, secret: SECRET, events: ['message'] }] } });
    const alice = await scope.wire(server, 'alice');
    const conversationId = await createGroup(alice, ['bob']);
    const clientMsgId = nextId('same-');
    const first = await sendText(alice, conversationId, 'once', clientMsgId);
    alice.send({ type: 'send', conversationId, clientMsgId, data: { text: 'once' } });
    const acks = () => alice.frames.filter(isAck).filter((f) => f.clientMsgId === clientMsgId);
    await until(() => acks().length === 2, 20_000, 'the repeat answered');
    expect(acks()[1]).toMatchObject({ eventId: first.eventId, duplicate: true });
    const barrier = await sendText(alice, conversationId, 'after');
    await until(() => hook.delivered().has(barrier.eventId) && hook.delivered().has(first.eventId), 30_000, 'the deliveries');
    expect(hook.count(first.eventId)).toBe(1);
    expect(hook.delivered().size).toBe(2);
  });
});
