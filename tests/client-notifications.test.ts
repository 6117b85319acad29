import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { pushSetup, pushedTo, VAPID } from './helpers/notification-setup.js';

// The client SDK's side of protocol 8 against a real server and the test push service: the push
// key from the welcome, a subscription registered and used, the user's level and a conversation's
// own, mirrored to the user's other devices.

const scope = testScope();
const WAIT = 20_000;

describe('client SDK: notifications', () => {
  it('reads the push key, registers the device, and its user is notified while away; unregistering stops it', async () => {
    const { server, push } = await pushSetup(scope);
    const bob = scope.client(server, 'bob', { deviceId: 'bob-phone' });
    expect(await bob.getPushConfig()).toEqual({ vapidPublicKey: VAPID.publicKey });
    await bob.registerPush(push.subscribe('bob-phone'));
    const alice = scope.client(server, 'alice');
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    await bob.close();
    await alice.send(id, 'are you there?');
    await until(() => pushedTo(push, 'bob-phone').length === 1, WAIT, 'the push');
    expect(pushedTo(push, 'bob-phone')[0]).toMatchObject({ conversationId: id, title: 'team', body: 'New message from Alice' });

    const back = scope.client(server, 'bob', { deviceId: 'bob-phone' });
    await back.unregisterPush();
    await back.close();
    await alice.send(id, 'hello?');
    await until(async () => (await server.store.listNotifications({ limit: 10 })).length === 0, WAIT, 'settled');
    expect(pushedTo(push, 'bob-phone')).toHaveLength(1);
  });

  it('says a server sends no Web Push (null), and registering there is FORBIDDEN', async () => {
    const server = await scope.server();
    const bob = scope.client(server, 'bob');
    expect(await bob.getPushConfig()).toBeNull();
    const error = await bob.registerPush({ endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.FORBIDDEN });
  });

  it("sets the user's level and a conversation's own; the user's other device shows both", async () => {
    const { server } = await pushSetup(scope);
    const phone = scope.client(server, 'bob', { deviceId: 'bob-phone' });
    const laptop = scope.client(server, 'bob', { deviceId: 'bob-laptop' });
    const alice = scope.client(server, 'alice');
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    expect(await phone.updateSettings({ notify: 'mentions' })).toMatchObject({ notify: 'mentions' });
    expect(await laptop.getSettings()).toMatchObject({ notify: 'mentions' });
    await until(() => phone.getConversation(id) !== undefined, WAIT, 'the group on the phone');
    expect(await phone.setNotify(id, 'all')).toMatchObject({ id, notify: 'all' });
    await until(() => laptop.getConversation(id)?.notify === 'all', WAIT, 'the laptop shows the group set to all');
    await phone.setNotify(id, null);
    await until(() => laptop.getConversation(id)?.notify === undefined, WAIT, 'back to the user level on the laptop');
  });
});
