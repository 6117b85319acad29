import { describe, expect, it } from 'vitest';
import type { ReceiptUpdateFrame, ServerFrame } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import type { TestServer } from './helpers/test-server.js';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import { createGroup, sendText, until } from './helpers/fixtures.js';
import type { WireClient } from './helpers/wire-client.js';

const scope = testScope();
const server = scope.server;
const client = (s: TestServer, userId: string, deviceId?: string) => scope.client(s, userId, deviceId ? { deviceId } : {});
const wire = scope.wire;


const receiptsOf = (w: WireClient, userId: string) =>
  w.frames.filter((f: ServerFrame): f is ReceiptUpdateFrame => f.type === 'receipt.update' && f.userId === userId);
const lastMessage = (chat: ChatClient, id: string) => chat.getMessages(id).at(-1);

describe('receipts over real sockets', () => {
  it('never moves watermarks back under out-of-order and duplicate receipts, and never past the log', async () => {
    const s = await server();
    const alice = await wire(s, 'alice');
    const bob = await wire(s, 'bob', 'bob-phone');
    const id = await createGroup(alice, ['bob']);
    for (let i = 0; i < 5; i++) await sendText(alice, id, `m${i}`);
    // seq 1 is conversation.created, messages are 2..6.
    const reports = [
      { readSeq: 4 }, { readSeq: 2 }, { deliveredSeq: 1 }, { readSeq: 4 }, { deliveredSeq: 5 }, { deliveredSeq: 3, readSeq: 3 },
      { readSeq: 4 }, { deliveredSeq: 999, readSeq: 999 }, { readSeq: 1 },
    ];
    for (const report of reports) bob.send({ type: 'receipt', conversationId: id, ...report });
    await alice.waitFor((f) => f.type === 'receipt.update' && f.userId === 'bob' && f.readSeq === 6);
    const seen = receiptsOf(alice, 'bob');
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.readSeq!).toBeGreaterThanOrEqual(seen[i - 1]!.readSeq!);
      expect(seen[i]!.deliveredSeq).toBeGreaterThanOrEqual(seen[i - 1]!.deliveredSeq);
    }
    for (const frame of seen) expect(frame.deliveredSeq).toBeGreaterThanOrEqual(frame.readSeq!);
    expect(seen.at(-1)).toMatchObject({ deliveredSeq: 6, readSeq: 6 });
    // Repeats after the end change nothing and the store kept the highest, per member and device.
    bob.send({ type: 'receipt', conversationId: id, readSeq: 2, deliveredSeq: 2 });
    await sendText(alice, id, 'sentinel');
    expect(receiptsOf(alice, 'bob').at(-1)).toMatchObject({ deliveredSeq: 6, readSeq: 6 });
    expect(await s.store.getMember(id, 'bob')).toMatchObject({ deliveredSeq: 6, readSeq: 6 });
    const phone = await s.store.updateDeviceWatermarks(id, 'bob', 'bob-phone', {}, Date.now()); // an empty report reads it
    expect(phone?.device).toMatchObject({ deviceId: 'bob-phone', deliveredSeq: 6, readSeq: 6 });
  });

  it('shows the sender each message go sent → delivered → read, per member and in aggregate', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const bob = client(s, 'bob');
    const carol = client(s, 'carol');
    for (const c of [alice, bob, carol]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'team', members: ['bob', 'carol'] });
    await waitFor(bob, (c) => c.getConversation(id) !== undefined);
    await waitFor(carol, (c) => c.getConversation(id) !== undefined);
    await alice.send(id, 'hello');
    await waitFor(alice, (c) => lastMessage(c, id)?.status === 'sent', 5000, 'ack');
    // Both recipients report delivery by themselves.
    await waitFor(alice, (c) => lastMessage(c, id)?.receipt === 'delivered', 5000, 'delivered');
    const seq = lastMessage(alice, id)!.seq!;
    expect(alice.getReceipts(id, seq)).toEqual([
      { userId: 'bob', status: 'delivered' },
      { userId: 'carol', status: 'delivered' },
    ]);
    bob.markRead(id);
    await waitFor(alice, (c) => c.getReceipts(id, seq).some((r) => r.userId === 'bob' && r.status === 'read'), 5000, 'bob read');
    expect(lastMessage(alice, id)?.receipt).toBe('delivered');
    carol.markRead(id);
    await waitFor(alice, (c) => lastMessage(c, id)?.receipt === 'read', 5000, 'all read');
    // Received messages carry no receipt status; only the sender follows its own.
    expect(lastMessage(bob, id)?.receipt).toBeUndefined();
  });

  it('brings the sender the receipts made while it was offline', async () => {
    const s = await server();
    const alice = client(s, 'alice', 'alice-phone');
    const bob = client(s, 'bob');
    await waitFor(alice, online);
    await waitFor(bob, online);
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'read me later');
    await waitFor(alice, (c) => lastMessage(c, id)?.receipt === 'delivered', 5000, 'delivered');
    alice.close();
    bob.markRead(id);
    await waitFor(bob, (c) => c.getConversation(id)?.unread === 0);
    // Wait until the server has the read, then a fresh session of alice's device must show it.
    const seq = lastMessage(bob, id)!.seq!;
    const readSeq = async () => (await s.store.getMember(id, 'bob'))!.readSeq;
    await until(async () => (await readSeq()) >= seq, 10_000, async () => `bob's readSeq ${seq}, at ${await readSeq()}`);
    const again = client(s, 'alice', 'alice-phone');
    await waitFor(again, (c) => lastMessage(c, id)?.receipt === 'read', 5000, 'read after reconnect');
  });

  it('lets a user stop sharing reads: others see delivered only, the user’s own devices still clear', async () => {
    const s = await server();
    const alice = client(s, 'alice');
    const phone = client(s, 'bob', 'bob-phone');
    const laptop = client(s, 'bob', 'bob-laptop');
    for (const c of [alice, phone, laptop]) await waitFor(c, online);
    expect(await phone.updateSettings({ readReceipts: false })).toEqual({ readReceipts: false, presence: true, lastSeen: true, notify: 'all' });
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'private read');
    await waitFor(alice, (c) => lastMessage(c, id)?.receipt === 'delivered', 5000, 'delivered');
    await waitFor(laptop, (c) => c.getConversation(id)?.unread === 1, 5000, 'unread on laptop');
    await waitFor(phone, (c) => c.getConversation(id)?.unread === 1, 5000, 'unread on phone');
    phone.markRead(id);
    await waitFor(laptop, (c) => c.getConversation(id)?.unread === 0, 5000, 'laptop cleared');
    // The choice is kept by the server: another session reads it back.
    expect(await laptop.getSettings()).toEqual({ readReceipts: false, presence: true, lastSeen: true, notify: 'all' });
    await alice.send(id, 'sentinel');
    await waitFor(alice, (c) => lastMessage(c, id)?.receipt === 'delivered', 5000, 'sentinel delivered');
    expect(alice.getMessages(id).map((m) => m.receipt)).toEqual(['delivered', 'delivered']);
    expect(alice.getReceipts(id, lastMessage(alice, id)!.seq!)).toEqual([{ userId: 'bob', status: 'delivered' }]);
    // A fresh session of alice learns nothing more from the summaries either.
    const fresh = client(s, 'alice');
    await waitFor(fresh, (c) => c.getMessages(id).length === 2 && lastMessage(c, id)?.receipt === 'delivered', 5000, 'fresh');
    expect(fresh.getMessages(id).some((m) => m.receipt === 'read')).toBe(false);
  });

  it('keeps counts, not per-member fan-out, in conversations above the receipt fan-out size', async () => {
    const s = await server({ receiptFanoutMax: 2 });
    const alice = await wire(s, 'alice');
    const phone = await wire(s, 'bob', 'bob-phone');
    const laptop = await wire(s, 'bob', 'bob-laptop');
    const id = await createGroup(alice, ['bob', 'carol']);
    const { seq } = await sendText(alice, id, 'to many');
    phone.send({ type: 'receipt', conversationId: id, readSeq: seq });
    await laptop.waitFor((f) => f.type === 'receipt.update' && f.userId === 'bob' && f.readSeq === seq);
    await sendText(alice, id, 'sentinel');
    await phone.waitFor((f) => f.type === 'event' && f.event.seq === seq + 1);
    expect(receiptsOf(alice, 'bob')).toEqual([]);
  });
});
