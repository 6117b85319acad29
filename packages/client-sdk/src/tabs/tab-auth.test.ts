import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, isParleyError } from '@parley/protocol';
import type { ChatClient } from '../types.js';
import { origin, until } from '../../test/support/tab-origin.js';


const status = (tab: ChatClient) => tab.getSnapshot().connection.status;

describe('tabs whose connection is refused', () => {
  it('show `unauthorized` in every tab, and connect() in any tab starts the leader\'s connection again', async () => {
    const tabs = origin();
    const leader = tabs.openTab();
    await until(() => tabs.wires[0]?.opens === 1, 'the leader\'s first attempt');
    const wire = tabs.wires[0]!;
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid token'));
    expect(status(leader)).toBe('unauthorized');

    const follower = tabs.openTab();
    await until(() => status(follower) === 'unauthorized', 'the follower to see it');
    const refused = await follower.openDirect('bob').catch((err: unknown) => err);
    expect(isParleyError(refused) && refused.code).toBe(ErrorCode.UNAUTHORIZED);

    // The app signed in again in the follower tab: the one connection, in the leader, tries again.
    follower.connect();
    await until(() => wire.opens === 2, 'a new attempt from the follower\'s connect()');
    await until(() => status(follower) === 'connecting', 'the follower to see the attempt');
    wire.refuse(new ParleyError(ErrorCode.UNAUTHORIZED, 'still invalid'));
    await until(() => status(follower) === 'unauthorized', 'refused again');
    leader.connect();
    expect(wire.opens).toBe(3);
    expect(tabs.wires).toHaveLength(1);
  });
});
