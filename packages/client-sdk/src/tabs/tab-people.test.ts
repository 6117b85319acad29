import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { leaderAndFollower, origin, until } from '../../test/support/tab-origin.js';

describe('protocol 6 in a following tab', () => {
  it("fetches a follower's profiles through the leader in one request, and mirrors them and the block list", async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { leader, follower } = await leaderAndFollower(tabs);
    const wire = wires[0]!;
    const read = wire.frames('blocks')[0]!;
    wire.push({ type: 'blocks.result', reqId: read.reqId, userIds: ['spam'] });
    await until(() => follower.isBlocked('spam'), 'the block list in the follower');

    expect(['bob', 'carol', 'bob'].map((id) => follower.getUser(id))).toEqual([undefined, undefined, undefined]);
    await until(() => wire.frames('users').length === 1, 'the forwarded fetch');
    const users = wire.frames('users')[0]!;
    expect(users.userIds).toEqual(['bob', 'carol']);
    wire.push({ type: 'users.result', reqId: users.reqId, users: [{ id: 'bob', name: 'Bob' }] });
    await until(() => follower.getUser('bob')?.name === 'Bob', 'the profile in the follower');
    expect(follower.getSnapshot().users).toEqual({ bob: { id: 'bob', name: 'Bob' } });
    expect(leader.getUser('bob')?.name).toBe('Bob');

    const blocking = follower.block('carol');
    await until(() => wire.frames('blocks').length === 2, 'the forwarded block');
    const change = wire.frames('blocks')[1]!;
    expect(change.block).toEqual(['carol']);
    wire.push({ type: 'blocks.result', reqId: change.reqId, userIds: ['spam', 'carol'] });
    expect(await blocking).toEqual(['spam', 'carol']);
    await until(() => follower.getBlocks().length === 2, 'the new list in the follower');
    expect(wire.frames('users')).toHaveLength(1);
  });

  it("forwards a follower's group requests to the leader", async () => {
    const tabs = origin();
    const { wires } = tabs;
    const { follower } = await leaderAndFollower(tabs);
    const renaming = follower.updateConversation('c1', { title: 'Renamed' });
    await until(() => wires[0]!.frames('conversation.update').length === 1, 'the forwarded update');
    const frame = wires[0]!.frames('conversation.update')[0]!;
    expect(frame.patch).toEqual({ title: 'Renamed' });
    wires[0]!.push({ type: 'error', reqId: frame.reqId, code: 4030, message: 'only the owner or an admin changes the details', retryable: false });
    await expect(renaming).rejects.toMatchObject({ code: 4030, message: 'only the owner or an admin changes the details', retryable: false });
  });
});
