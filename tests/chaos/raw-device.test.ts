import { describe, expect, it } from 'vitest';
import { testScope } from '../helpers/scope.js';
import { createGroup, until } from '../helpers/fixtures.js';
import { RawDevice } from './harness/raw-device.js';

const scope = testScope();

describe('the chaos harness raw device', () => {
  it('comes back after the server drops its connection and gets every send answered, once per id', async () => {
    const s = await scope.server();
    const owner = await scope.wire(s, 'owner');
    const conversationId = await createGroup(owner, ['bob']);
    const device = scope.adopt(await RawDevice.connect(s.url, { token: () => s.token('owner'), deviceId: 'raw-a' }));
    const send = (i: number) => device.send({ type: 'send', conversationId, clientMsgId: `raw-send-${i}`, data: { text: `#${i}` } });
    for (let i = 0; i < 5; i++) send(i);
    await until(() => device.acks().size === 5, 10_000, 'the first five answered');
    // What a missed heartbeat does: the server drops the connection. Sends go on meanwhile.
    s.chat.nsp.in('user:owner').disconnectSockets(true);
    for (let i = 5; i < 10; i++) send(i);
    await until(() => device.acks().size === 10, 10_000, 'every send answered after the drop');
    expect(device.reconnects).toBeGreaterThan(0);
    const stored = (await s.store.readAfter(conversationId, 0, 100)).filter((e) => e.kind === 'message');
    expect(stored.map((e) => ('clientMsgId' in e ? e.clientMsgId : ''))).toEqual(Array.from({ length: 10 }, (_, i) => `raw-send-${i}`));
    for (const [clientMsgId, ack] of device.acks()) expect(stored.find((e) => e.seq === ack.seq)).toMatchObject({ id: ack.eventId, clientMsgId });
  });
});
