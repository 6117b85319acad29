import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { leaderAndFollower, origin, until } from '../../test/support/tab-origin.js';
import { message } from '../../test/support/fixtures.js';

describe('events and sign-out across tabs', () => {
  it('fires message once per arrival in the leader and in a follower, and ack in the tab that sees it', async () => {
    const tabs = origin();
    const { leader, follower } = await leaderAndFollower(tabs);
    await until(() => follower.getMessages('c1').length === 1, 'the follower to mirror');
    const seen = { leader: [] as number[], follower: [] as number[] };
    leader.on('message', (m) => seen.leader.push(m.seq ?? -1));
    follower.on('message', (m) => seen.follower.push(m.seq ?? -1));
    const acks: string[] = [];
    follower.on('ack', (a) => acks.push(a.clientMsgId));
    const sent = await follower.send('c1', 'mine');
    await until(() => tabs.wires[0]!.frames('send').length === 1, 'the send');
    tabs.wires[0]!.push({ type: 'ack', conversationId: 'c1', clientMsgId: sent.key, eventId: 'e2', seq: 2, ts: 2, duplicate: false });
    tabs.wires[0]!.push({ type: 'event', event: message(3) });
    tabs.wires[0]!.push({ type: 'event', event: message(3) });
    await until(() => follower.getMessages('c1').length === 3, 'the arrivals in the follower');
    expect(seen).toEqual({ leader: [2, 3], follower: [2, 3] });
    expect(acks).toEqual([sent.key]);
  });

  it('signOut in a follower closes every tab and deletes the shared database', async () => {
    const tabs = origin();
    const { leader, follower } = await leaderAndFollower(tabs);
    await follower.send('c1', 'queued');
    await until(() => tabs.wires[0]!.frames('send').length === 1, 'the send');
    await follower.signOut();
    await until(() => leader.getSnapshot().connection.status === 'closed', 'the leader to close');
    expect(leader.getSnapshot().connection.lastError?.code).toBe(ErrorCode.UNAUTHORIZED);
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).not.toContain(tabs.dbName);
  });
});
