import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, type SyncFrame } from '@parley/protocol';
import { origin, until, welcome } from '../../test/support/tab-origin.js';
import { message, summary } from '../../test/support/fixtures.js';

describe('limits announced by the server, in every tab', () => {
  it('a follower refuses a text over the leader\'s announced maxTextLength, readable, queueing nothing', async () => {
    const tabs = origin();
    const leader = tabs.openTab();
    await until(() => tabs.wires.length === 1, 'a leader');
    const wire = tabs.wires[0]!;
    await until(() => wire.opens > 0 && wire.auths.length > 0, 'a connection attempt');
    wire.accept();
    wire.push({ ...welcome, limits: { maxTextLength: 100 } });
    const sync = wire.frames('sync').at(-1) as SyncFrame;
    wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq: 1 })], removed: [], events: [message(1)], hasMore: false });
    const follower = tabs.openTab();
    await until(() => follower.getMessages('c1').length === 1, 'the follower to mirror the leader');

    for (const tab of [leader, follower]) {
      const refused = await tab.send('c1', 'x'.repeat(101)).then(() => new Error('resolved'), (e: unknown) => e);
      expect(refused).toBeInstanceOf(ParleyError);
      expect([(refused as ParleyError).code, (refused as ParleyError).message]).toEqual([
        ErrorCode.BAD_FRAME,
        'A message can be at most 100 characters (this one has 101)',
      ]);
    }
    const fits = await follower.send('c1', 'y'.repeat(100));
    await until(() => wire.frames('send').length === 1, 'the leader to send it');
    expect(wire.frames('send').map((f) => f.clientMsgId)).toEqual([fits.clientMsgId]);
  });

  it('a follower shows the edit deadlines of the leader\'s announced window, and membership lines', async () => {
    const tabs = origin();
    tabs.openTab();
    await until(() => tabs.wires.length === 1, 'a leader');
    const wire = tabs.wires[0]!;
    await until(() => wire.opens > 0 && wire.auths.length > 0, 'a connection attempt');
    wire.accept();
    wire.push({ ...welcome, limits: { editWindowMs: 60_000 } });
    const sync = wire.frames('sync').at(-1) as SyncFrame;
    const added = { id: 'c1-e2', conversationId: 'c1', seq: 2, senderId: 'bob', ts: 2_000, kind: 'members.added' as const, data: { userIds: ['carol'] } };
    wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [summary({ lastSeq: 2 })], removed: [], events: [message(1, 'me', { ts: 1_000 }), added], hasMore: false });
    const follower = tabs.openTab();
    await until(() => follower.getTimeline('c1').length === 2, 'the follower to mirror the leader');
    expect(follower.getTimeline('c1').map((item) => (item.type === 'system' ? `${item.actorId} ${item.event} ${item.userIds.join()}` : item.editableUntil))).toEqual([
      61_000, 'bob added carol',
    ]);
  });
});
