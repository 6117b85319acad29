import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createMemoryStore, verifyWebhook, WebhookVerificationError, ErrorCode, type ChatStore } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { startWebhookReceiver, type Behaviour } from './helpers/webhook-receiver.js';
import { conversationIn, dispatcherOn, storeMessage } from './helpers/webhook-setup.js';
import { nextId } from './helpers/wire-client.js';

const scope = testScope();
const SECRET = 'whsec-test';

async function receiver(behaviour?: Behaviour, secret: string | string[] = SECRET) {
  return scope.adopt(await startWebhookReceiver(secret, behaviour));
}
function memoryStore(): ChatStore {
  return scope.adopt(createMemoryStore());
}

describe('webhooks: signed deliveries', () => {
  it('POSTs each stored event, signed, with its ids in the headers and the event as it is in the log', async () => {
    const store = memoryStore();
    const hook = await receiver();
    const { webhooks } = dispatcherOn(store, { endpoints: [{ name: 'crm', url: hook.url, secret: SECRET }] }, scope.adopt);
    const conversationId = await conversationIn(store);
    const event = await storeMessage(store, conversationId, 'hello hooks');
    await webhooks.enqueue([event]);

    await until(() => hook.delivered().has(event.id), 20_000, 'the delivery');
    const [request] = hook.received;
    expect(request!.error).toBeNull();
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['parley-event-id']).toBe(event.id);
    expect(request!.headers['parley-delivery-id']).toBe(`crm:${event.id}`);
    expect(request!.headers['parley-delivery-attempt']).toBe('1');
    expect(JSON.parse(request!.body)).toEqual({
      id: event.id,
      type: 'message',
      createdAt: event.ts,
      conversationId,
      seq: event.seq,
      senderId: 'alice',
      data: { text: 'hello hooks' },
    });
    // The dispatcher settles the delivery once the receiver's answer is in: right after it.
    await until(async () => (await webhooks.list({ state: 'delivered' })).length > 0, 20_000, 'the delivery settled');
    const [delivered] = await webhooks.list({ state: 'delivered' });
    expect(delivered).toMatchObject({ id: `crm:${event.id}`, eventId: event.id, attempts: 1 });

    // The receiver's helper refuses what was not signed with its secret, as it is.
    const body = request!.body;
    const signature = String(request!.headers['parley-signature']);
    const now = Number(/t=(\d+)/.exec(signature)![1]);
    expect(verifyWebhook({ secret: SECRET, body, signature, now })).toMatchObject({ id: event.id });
    const refusal = (input: Partial<Parameters<typeof verifyWebhook>[0]>) => {
      try {
        verifyWebhook({ secret: SECRET, body, signature, now, ...input });
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(WebhookVerificationError);
        expect((err as WebhookVerificationError).code).toBe(ErrorCode.UNAUTHORIZED);
        return (err as WebhookVerificationError).reason;
      }
    };
    expect(refusal({ body: body.replace('hello hooks', 'hello hookz') })).toBe('bad-signature');
    expect(refusal({ secret: 'someone-else' })).toBe('bad-signature');
    expect(refusal({ now: now + 10 * 60_000 })).toBe('stale');
    expect(refusal({ now: now + 10 * 60_000, toleranceMs: 60 * 60_000 })).toBe('accepted');
    expect(refusal({ signature: undefined })).toBe('missing-signature');
    expect(refusal({ signature: 'v1=abc' })).toBe('malformed-signature');
    // A signature for the same body at another time is not this one: the timestamp is signed.
    const forged = `t=${now + 1},v1=${createHmac('sha256', SECRET).update(`${now}.${body}`).digest('hex')}`;
    expect(refusal({ signature: forged, now: now + 1 })).toBe('bad-signature');
  });

  it('signs with every secret during a rotation: a receiver still on the old one accepts', async () => {
    const store = memoryStore();
    const oldOnly = await receiver(undefined, 'old-secret');
    const { webhooks } = dispatcherOn(store, { endpoints: [{ name: 'a', url: oldOnly.url, secret: ['new-secret', 'old-secret'] }] }, scope.adopt);
    const event = await storeMessage(store, await conversationIn(store), 'rotated');
    await webhooks.enqueue([event]);
    await until(() => oldOnly.delivered().has(event.id), 20_000, 'the delivery');
    expect(String(oldOnly.received[0]!.headers['parley-signature']).match(/v1=/g)).toHaveLength(2);
  });

  it('sends each endpoint only the event types it asked for, and a notice as its own body', async () => {
    const store = memoryStore();
    const messagesOnly = await receiver();
    const everything = await receiver();
    const { webhooks } = dispatcherOn(
      store,
      {
        endpoints: [
          { name: 'messages', url: messagesOnly.url, secret: SECRET, events: ['message'] },
          { name: 'all', url: everything.url, secret: SECRET },
        ],
      },
      scope.adopt,
    );
    const conversationId = await conversationIn(store);
    const [created] = await store.readAfter(conversationId, 0, 1);
    const message = await storeMessage(store, conversationId, 'hi');
    await webhooks.enqueue([created!, message]);
    const reportId = nextId('report-');
    await webhooks.notice({ id: reportId, type: 'report', data: { reason: 'spam' }, conversationId });

    await until(() => everything.delivered().size === 3, 20_000, 'three deliveries to the catch-all endpoint');
    await until(() => messagesOnly.delivered().size === 1, 20_000, 'the message to the filtered endpoint');
    expect([...messagesOnly.delivered().keys()]).toEqual([message.id]);
    expect(everything.delivered().get(created!.id)).toMatchObject({ type: 'conversation.created', seq: 1 });
    expect(everything.delivered().get(reportId)).toMatchObject({ id: reportId, type: 'report', conversationId, data: { reason: 'spam' } });
    // Nothing is left for the filtered endpoint: the others were never queued for it, not held back.
    await until(async () => (await webhooks.list({ state: 'pending' })).length === 0, 20_000, 'the queue to settle');
    expect((await webhooks.list({ state: 'delivered', endpoint: 'messages' })).map((d) => d.eventId)).toEqual([message.id]);
  });

  it('queues an event once however often it is enqueued (a client retry after a crash enqueues again)', async () => {
    const store = memoryStore();
    const hook = await receiver();
    const { webhooks } = dispatcherOn(store, { endpoints: [{ name: 'a', url: hook.url, secret: SECRET }] }, scope.adopt);
    const event = await storeMessage(store, await conversationIn(store), 'once');
    await Promise.all([webhooks.enqueue([event]), webhooks.enqueue([event])]);
    await until(() => hook.delivered().has(event.id), 20_000, 'the delivery');
    await webhooks.enqueue([event]);
    const second = await storeMessage(store, (await store.getEvent(event.conversationId, event.id))!.conversationId, 'barrier');
    await webhooks.enqueue([second]);
    await until(() => hook.delivered().has(second.id), 20_000, 'the later delivery');
    expect(hook.count(event.id)).toBe(1);
  });
});
