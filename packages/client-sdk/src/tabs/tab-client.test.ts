import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { leaderAndFollower, origin, serve, until } from '../../test/support/tab-origin.js';
import { summary } from '../../test/support/fixtures.js';

describe('several tabs on one database', () => {
  it('opens one connection; a follower shows the leader state and its sends go out on the leader socket', async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    await until(() => follower.getMessages('c1').length === 1, 'the follower to mirror the messages');
    expect(wires).toHaveLength(1);

    const sent = await follower.send('c1', 'from the follower');
    expect(follower.getMessages('c1').at(-1)).toMatchObject({ key: sent.key, status: 'pending' });
    await until(() => wires[0]!.frames('send').length === 1, 'the leader to send it');
    expect(wires[0]!.frames('send')[0]).toMatchObject({ clientMsgId: sent.clientMsgId, data: { text: 'from the follower' } });
    wires[0]!.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.key, eventId: 'e2', seq: 2, ts: 2, duplicate: false });
    await until(() => follower.getMessages('c1').at(-1)?.status === 'sent', 'the ack to reach the follower');
    // Synchronous queries answer in the follower too (not a promise from the leader).
    expect(Array.isArray(follower.getReceipts('c1', 1))).toBe(true);
    expect(leader.getMessages('c1').map((m) => [m.text, m.status])).toEqual([['text 1', 'sent'], ['from the follower', 'sent']]);
  });

  it("sends a follower's reply with custom data and mentions through the leader, and both tabs show it with its quote", async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    await until(() => follower.getMessages('c1').length === 1, 'the follower to mirror the messages');
    const quoted = follower.getMessages('c1')[0]!;
    const sent = await follower.send('c1', { text: '@bob yes', custom: { card: 'ok' } }, { replyTo: quoted.id!, mentions: ['bob'] });
    const quote = { messageId: quoted.id, seq: 1, senderId: quoted.senderId, preview: 'text 1' };
    expect(sent).toMatchObject({ status: 'pending', custom: { card: 'ok' }, mentions: ['bob'], replyTo: quote });
    await until(() => wires[0]!.frames('send').length === 1, 'the leader to send it');
    expect(wires[0]!.frames('send')[0]!.data).toEqual({ text: '@bob yes', custom: { card: 'ok' }, mentions: ['bob'], replyTo: quoted.id });
    wires[0]!.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.key, eventId: 'e2', seq: 2, ts: 2, duplicate: false });
    await until(() => follower.getMessages('c1').at(-1)?.status === 'sent', 'the ack to reach the follower');
    for (const tab of [leader, follower]) {
      expect(tab.getMessages('c1').at(-1)).toMatchObject({ seq: 2, text: '@bob yes', custom: { card: 'ok' }, mentions: ['bob'], replyTo: quote });
    }
  });

  it('hands the connection over when the leader closes, resending the unacked messages with the same ids', async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    const a = await leader.send('c1', 'a');
    const b = await follower.send('c1', 'b');
    await until(() => wires[0]!.frames('send').length === 2, 'both on the wire');
    leader.close();

    await until(() => wires.length === 2, 'the follower to take over');
    await serve(wires[1]!);
    await until(() => wires[1]!.frames('send').length === 2, 'the resend');
    expect(wires[1]!.frames('send').map((f) => f.clientMsgId)).toEqual([a.clientMsgId, b.clientMsgId]);
    for (const [i, m] of [a, b].entries()) {
      wires[1]!.push({ type: 'ack', conversationId: 'c1', clientMsgId: m.key, eventId: `e${i + 2}`, seq: i + 2, ts: 2, duplicate: true });
    }
    await until(() => follower.getMessages('c1').filter((m) => m.status === 'sent').length === 3, 'both acked');
    expect(follower.getMessages('c1').map((m) => m.text)).toEqual(['text 1', 'a', 'b']);
  });

  it('forwards a follower request to the leader and answers it', async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { follower } = await leaderAndFollower(tabs);
    const opened = follower.openDirect('bob');
    await until(() => wires[0]!.frames('direct.open').length === 1, 'the forwarded request');
    const req = wires[0]!.frames('direct.open')[0]!;
    wires[0]!.push({ type: 'conversation', reqId: req.reqId, conversation: summary({ id: 'd-bob', kind: 'direct', title: null, lastSeq: 1 }) });
    await expect(opened).resolves.toMatchObject({ id: 'd-bob' });
    expect(follower.getConversation('d-bob')).toBeDefined();
  });

  it('re-sends a forwarded call the leader left unanswered to the next leader, but never a createGroup', async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader } = await leaderAndFollower(tabs);
    const asking = tabs.openTab();
    await until(() => asking.getSnapshot().connection.status === 'online', 'the third tab to mirror');
    const opened = asking.openDirect('bob');
    const created = asking.createGroup({ title: 'g', members: ['bob'] });
    await until(() => wires[0]!.frames('direct.open').length === 1 && wires[0]!.frames('group.create').length === 1, 'both calls on the wire');
    leader.close();

    await until(() => wires.length === 2, 'the next leader');
    await serve(wires[1]!);
    // The group may exist already: asking twice would make two.
    await expect(created).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    await until(() => wires[1]!.frames('direct.open').length === 1, 'the call re-sent to the next leader');
    const req = wires[1]!.frames('direct.open')[0]!;
    wires[1]!.push({ type: 'conversation', reqId: req.reqId, conversation: summary({ id: 'd-bob', kind: 'direct', title: null, lastSeq: 1 }) });
    await expect(opened).resolves.toMatchObject({ id: 'd-bob' });
    expect(wires[1]!.frames('group.create')).toHaveLength(0);
  });

  it('watches what any tab shows, and stops when the last tab showing it closes', async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    const watched = () => wires[0]!.frames('watch').at(-1)?.conversationIds;
    follower.watch(['c1']);
    await until(() => watched()?.join() === 'c1', 'the follower watched');
    leader.watch(['c1', 'c2']);
    expect(watched()).toEqual(['c1', 'c2']);
    const sent = wires[0]!.frames('watch').length;
    leader.unwatch(['c1']);
    // The follower still shows c1.
    expect(wires[0]!.frames('watch')).toHaveLength(sent + 1);
    expect(watched()).toEqual(['c1', 'c2']);
    follower.close();
    await until(() => watched()?.join() === 'c2', 'the closed tab forgotten');
  });

  it('lets a typing indicator a follower took over from the leader expire once it leads', async () => {
    const tabs = origin();
    const { leader, follower } = await leaderAndFollower(tabs);
    tabs.wires[0]!.push({ type: 'typing.update', conversationId: 'c1', userId: 'bob', expiresInMs: 300 });
    await until(() => follower.getSnapshot().typing['c1']?.includes('bob') === true, 'the follower to show bob typing');
    leader.close();
    await until(() => tabs.wires.length === 2, 'the follower to take over');
    await until(() => follower.getSnapshot().typing['c1'] === undefined, 'the indicator to expire');
  });

  it('follows the presence every tab asked for again on a new leader', async () => {
    const tabs = origin();
    const { leader, follower } = await leaderAndFollower(tabs);
    const followed = follower.subscribePresence(['bob']);
    await until(() => tabs.wires[0]!.frames('presence.subscribe').length === 1, 'the forwarded subscribe');
    const req = tabs.wires[0]!.frames('presence.subscribe')[0]!;
    tabs.wires[0]!.push({ type: 'presence.result', reqId: req.reqId, users: [{ userId: 'bob', status: 'online', lastSeenAt: null }], denied: [] });
    await expect(followed).resolves.toEqual({ denied: [] });
    leader.close();

    await until(() => tabs.wires.length === 2, 'the follower to take over');
    await serve(tabs.wires[1]!);
    await until(() => tabs.wires[1]!.frames('presence.subscribe').length > 0, 'presence followed again');
    expect(tabs.wires[1]!.frames('presence.subscribe')[0]!.userIds).toEqual(['bob']);
  });
});
