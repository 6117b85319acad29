import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import type { StoredReport, UserDirectory } from '@parley/server-sdk';
import { online, waitFor } from './helpers/sdk.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();

/** The people features as an app built on the client SDK sees them, against a real server. */
describe('people through the client SDK', () => {
  it('shows profiles, follows an invalidation, finds people, and blocks a user on every device', async () => {
    const names: Record<string, string> = { alice: 'Alice', bob: 'Bob', carol: 'Carol' };
    const users: UserDirectory = {
      resolve: async (ids) => ids.filter((id) => names[id]).map((id) => ({ id, name: names[id]! })),
      search: async (query, { requester }) => Object.keys(names).filter((id) => id !== requester && names[id]!.toLowerCase().startsWith(query)).map((id) => ({ id, name: names[id]! })),
    };
    const s = await scope.server({ users });
    const phone = scope.client(s, 'alice');
    const laptop = scope.client(s, 'alice');
    for (const c of [phone, laptop]) await waitFor(c, online);

    expect(await phone.loadUsers(['bob', 'nobody'])).toEqual([{ id: 'bob', name: 'Bob' }]);
    expect(phone.getUser('bob')?.name).toBe('Bob');
    names.bob = 'Robert';
    s.chat.api.invalidateUsers(['bob']);
    await waitFor(phone, (c) => c.getUser('bob')?.name === 'Robert', 10_000, 'the new name');
    expect(await phone.searchUsers('c')).toEqual([{ id: 'carol', name: 'Carol' }]);

    expect(await phone.block('bob')).toEqual(['bob']);
    await waitFor(laptop, (c) => c.isBlocked('bob'), 10_000, 'the block on the other device');
    const refused = await phone.openDirect('bob').then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({ code: ErrorCode.FORBIDDEN });
    await phone.unblock('bob');
    await waitFor(laptop, (c) => !c.isBlocked('bob'), 10_000, 'the unblock on the other device');
  });

  it("reports a message: the app hears of it, and a repeat keeps the report's id", async () => {
    const s = await scope.server();
    const heard: StoredReport[] = [];
    s.chat.on('report', (r) => heard.push(r));
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { conversation } = await s.chat.api.createGroup({ members: ['alice', 'bob'] });
    const { event } = await s.chat.api.send({ conversationId: conversation.id, senderId: 'alice', text: 'spam spam spam' });
    await waitFor(bob, (c) => c.getMessages(conversation.id).length === 1, 10_000, 'the message on bob');
    const id = await bob.report(conversation.id, event.id, 'spam');
    expect(await bob.report(conversation.id, event.id, 'spam!')).toBe(id);
    expect(heard.map((r) => [r.id, r.reporterId, r.reason])).toEqual([
      [id, 'bob', 'spam'],
      [id, 'bob', 'spam!'],
    ]);
  });
});
