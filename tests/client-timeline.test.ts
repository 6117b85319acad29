import { describe, expect, it } from 'vitest';
import { createChatClient, createMemoryStorage, type ChatClient, type TimelineItem } from '@parley/client-sdk';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';

const scope = testScope();

/** A timeline as a person reads it: one line per item, system lines in words. */
const lineOf = (item: TimelineItem): string => {
  if (item.type === 'message') return `${item.senderId}: ${item.text ?? ''}${item.status === 'sent' ? '' : ` (${item.status})`}`;
  const who = item.userIds.join(', ');
  const owner = item.ownerId !== undefined ? `; ownership passed to ${item.ownerId}` : '';
  switch (item.event) {
    case 'created': return `${item.actorId} created '${item.title ?? ''}' with ${who}`;
    case 'added': return `${item.actorId} added ${who}${owner}`;
    case 'removed': return `${item.actorId} removed ${who}${owner}`;
    case 'left': return `${item.actorId} left${owner}`;
    case 'updated': return `${item.actorId} changed ${Object.keys(item.patch ?? {}).join(', ')}`;
    case 'role': return `${item.actorId} made ${(item.changes ?? []).map((c) => `${c.userId} ${c.role}`).join(', ')}`;
  }
};
const lines = (chat: ChatClient, id: string) => chat.getTimeline(id).map(lineOf);

describe('membership lines in the timeline (getTimeline)', () => {
  it('shows who created, added, removed and left, and where ownership went, between the messages in seq order, on every device', async () => {
    const s = await scope.server();
    const storage = createMemoryStorage();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob', { storage, deviceId: 'bob-phone' });
    const carol = scope.client(s, 'carol');
    for (const c of [alice, bob, carol]) await waitFor(c, online);

    const { id } = await alice.createGroup({ title: 'team', members: ['bob', 'carol'] });
    await alice.send(id, 'hi');
    await waitFor(alice, (c) => c.getMessages(id)[0]?.status === 'sent', 10_000, 'hi stored');
    await alice.addMembers(id, ['dave']);
    await alice.removeMembers(id, ['dave']);
    await waitFor(carol, (c) => c.getConversation(id) !== undefined, 10_000, 'carol to hold the group');
    await carol.removeMembers(id, ['carol']);
    await bob.send(id, 'yo');
    await waitFor(bob, (c) => c.getMessages(id).at(-1)?.status === 'sent', 10_000, 'yo stored');
    await alice.removeMembers(id, ['alice']);

    const expected = [
      "alice created 'team' with alice, bob, carol",
      'alice: hi',
      'alice added dave',
      'alice removed dave',
      'carol left',
      'bob: yo',
      'alice left; ownership passed to bob',
    ];
    await waitFor(bob, (c) => c.getTimeline(id).length === expected.length, 10_000, 'every line on bob');
    expect(lines(bob, id)).toEqual(expected);
    expect(bob.getConversation(id)?.ownerId).toBe('bob');
    // getMessages is unchanged: messages only.
    expect(bob.getMessages(id).map((m) => m.text)).toEqual(['hi', 'yo']);
    // Ordered by seq, never by clocks; keys are stable and unique.
    const seqs = bob.getTimeline(id).map((item) => item.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(bob.getTimeline(id).map((item) => item.key)).size).toBe(expected.length);

    // A device that never saw it live reads the same lines from its first sync.
    const tablet = scope.client(s, 'bob', { deviceId: 'bob-tablet' });
    await waitFor(tablet, (c) => c.getTimeline(id).length === expected.length, 10_000, 'the tablet to sync');
    expect(lines(tablet, id)).toEqual(expected);

    // Offline, a message waits last, after every line the client holds.
    await bob.close();
    const offline = createChatClient({ url: s.url, getToken: () => s.token('bob'), storage, deviceId: 'bob-phone', autoConnect: false });
    scope.adopt(offline);
    await waitFor(offline, (c) => c.getTimeline(id).length === expected.length, 10_000, 'the cached timeline');
    await offline.send(id, 'anyone here?');
    expect(lines(offline, id)).toEqual([...expected, 'bob: anyone here? (pending)']);
  });

  it('gives the same array back while nothing in the conversation changed, and a new one when a line arrives', async () => {
    const s = await scope.server();
    const alice = scope.client(s, 'alice');
    const bob = scope.client(s, 'bob');
    for (const c of [alice, bob]) await waitFor(c, online);
    const { id } = await alice.createGroup({ title: 'one', members: ['bob'] });
    const { id: other } = await alice.createGroup({ title: 'two', members: ['bob'] });
    await waitFor(bob, (c) => c.getTimeline(id).length === 1 && c.getTimeline(other).length === 1, 10_000, 'both groups on bob');

    const before = bob.getTimeline(id);
    expect(bob.getTimeline(id)).toBe(before);
    // One not held is the same empty array each time (a hook reading it must not loop).
    expect(bob.getTimeline('g_unknown')).toBe(bob.getTimeline('g_unknown'));
    // Traffic in another conversation leaves this one's array alone.
    await alice.send(other, 'elsewhere');
    await waitFor(bob, (c) => c.getMessages(other).length === 1, 10_000, 'the other message');
    expect(bob.getTimeline(id)).toBe(before);

    await alice.addMembers(id, ['carol']);
    await waitFor(bob, (c) => c.getTimeline(id).length === 2, 10_000, 'the added line');
    const after = bob.getTimeline(id);
    expect(after).not.toBe(before);
    // The line already shown keeps its object, so a memoized row does not re-render.
    expect(after[0]).toBe(before[0]);
    expect(after.map(lineOf)).toEqual(["alice created 'one' with alice, bob", 'alice added carol']);
  });
});
