import { describe, expect, it } from 'vitest';
import { createChatClient, createMemoryStorage, type SearchHitView, type SearchResults } from '@parley/client-sdk';
import { testScope } from './helpers/scope.js';
import { online, waitFor } from './helpers/sdk.js';
import { createGroup, sendText } from './helpers/fixtures.js';
import { changeOk } from './helpers/changes.js';
import { nextId } from './helpers/wire-client.js';

// chat.search over real sockets: online the server's hits (edits by their new text, deletes and
// left conversations absent, pages by cursor) plus the user's own unsent messages, none twice;
// offline what the device holds, by the same rule, from memory and from storage after a restart.

const scope = testScope();

const texts = (page: SearchResults) => page.hits.map((h) => h.message.text ?? '');
const keyOf = (h: SearchHitView) => `${h.conversationId}:${h.seq}:${h.message.key}`;
const highlighted = (h: SearchHitView) => h.highlights.map(([a, b]) => h.snippet.slice(a, b));

describe('chat.search online', () => {
  it('answers from the server: current text, no deleted message, no conversation the user left, pages by cursor, and merges the user\'s failed message once', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const team = await createGroup(alice, ['bob'], 'team');
    const old = await createGroup(alice, ['bob'], 'old');
    const typo = await sendText(alice, team, 'meeting at the stadion');
    const gone = await sendText(alice, team, 'meeting password is hunter2');
    for (let i = 1; i <= 5; i += 1) await sendText(alice, team, `meeting number ${i}`);
    await sendText(alice, old, 'meeting in the old group');
    await changeOk(alice, team, typo.eventId, { kind: 'edit', text: 'meeting at the stadium' });
    await changeOk(alice, team, gone.eventId, { kind: 'delete' });

    const bob = scope.client(s, 'bob');
    await waitFor(bob, online);
    await waitFor(bob, (c) => c.getConversation(old) !== undefined, 10_000, 'the old group on bob');
    await alice.request({ type: 'members.remove', reqId: nextId('r-'), conversationId: old, userIds: ['bob'] } as never);
    await waitFor(bob, (c) => c.getConversation(old) === undefined, 10_000, 'bob out of the old group');

    const first = await bob.search('meeting');
    expect(first).toMatchObject({ source: 'server', offline: false });
    expect(texts(first)).toEqual(['meeting number 5', 'meeting number 4', 'meeting number 3', 'meeting number 2', 'meeting number 1', 'meeting at the stadium']);
    expect(first.hits.every((h) => h.from === 'server' && h.conversationId === team)).toBe(true);
    const stadium = first.hits.at(-1)!;
    expect(stadium.message).toMatchObject({ type: 'message', seq: stadium.seq, senderId: 'alice', status: 'sent', deleted: false, editedAt: expect.any(Number) });
    expect(highlighted(stadium)).toEqual(['meeting']);
    expect(texts(await bob.search('stadion'))).toEqual([]);
    expect(texts(await bob.search('hunter2'))).toEqual([]);

    // Pages of two: every hit once, in the same order, the last page without a cursor.
    const paged: SearchHitView[] = [];
    let cursor: string | undefined;
    do {
      const page = await bob.search('meeting', { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.hits.length).toBeLessThanOrEqual(2);
      paged.push(...page.hits);
      cursor = page.cursor;
    } while (cursor);
    expect(paged.map((h) => h.message.text)).toEqual(texts(first));
    expect(new Set(paged.map(keyOf)).size).toBe(paged.length);

    // Slow mode: bob's second message waits in his outbox (the server refuses it for an hour).
    await alice.request({ type: 'conversation.update', reqId: nextId('u-'), conversationId: team, patch: { slowModeMs: 3_600_000 } } as never);
    await waitFor(bob, (c) => c.getConversation(team)?.slowModeMs === 3_600_000, 10_000, 'slow mode on bob');
    await bob.send(team, 'meeting: can we move it?');
    await waitFor(bob, (c) => c.getMessages(team).some((m) => m.text === 'meeting: can we move it?' && m.status === 'sent'), 10_000, 'the first one stored');
    await bob.send(team, 'meeting: anyone?');
    const merged = await bob.search('meeting');
    expect(merged.source).toBe('both');
    const mine = merged.hits.filter((h) => h.from === 'local');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((h) => h.seq === 0 && h.message.senderId === 'bob' && h.message.status !== 'sent')).toBe(true);
    // Newest first: bob's unsent messages lead; nothing twice (the stored one is the server's only).
    expect(merged.hits.slice(0, mine.length)).toEqual(mine);
    expect(new Set(merged.hits.map(keyOf)).size).toBe(merged.hits.length);
    const sentByBob = merged.hits.filter((h) => h.message.senderId === 'bob' && h.message.status === 'sent');
    expect(sentByBob.every((h) => h.from === 'server')).toBe(true);
    expect(mine.map((h) => h.message.text)).toEqual(['meeting: anyone?']);
    expect(merged.hits.filter((h) => h.message.text === 'meeting: can we move it?').map((h) => h.from)).toEqual(['server']);
  });

  it('rejects a bad query before anything is asked', async () => {
    const s = await scope.server();
    const bob = scope.client(s, 'bob');
    await waitFor(bob, online);
    await expect(bob.search('')).rejects.toMatchObject({ code: 4000 });
    await expect(bob.search('x'.repeat(1000))).rejects.toMatchObject({ code: 4000 });
    await expect(bob.search('ok', { limit: 500 })).rejects.toMatchObject({ code: 4000 });
  });
});

describe('chat.search offline', () => {
  it('searches what the device holds when the server cannot be asked: edits folded, deletes never, left conversations never, the outbox included, from storage after a restart', async () => {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const team = await createGroup(alice, ['bob'], 'team');
    const old = await createGroup(alice, ['bob'], 'old');
    const storage = createMemoryStorage();
    const bob = scope.client(s, 'bob', { storage, deviceId: 'bob-laptop' });
    await waitFor(bob, online);
    await waitFor(bob, (c) => c.getConversation(team) !== undefined && c.getConversation(old) !== undefined, 10_000, 'both groups');

    const typo = await sendText(alice, team, 'lunch at the stadion');
    const gone = await sendText(alice, team, 'lunch secret: hunter2');
    // Enough after them that a restarted client holds them in storage only (its memory holds the tail).
    for (let i = 1; i <= 230; i += 1) await sendText(alice, team, `filler ${i}${i === 120 ? ' lunch' : ''}`);
    await sendText(alice, old, 'lunch in the old group');
    await changeOk(alice, team, typo.eventId, { kind: 'edit', text: 'lunch at the stadium' });
    await changeOk(alice, team, gone.eventId, { kind: 'delete' });
    await waitFor(bob, (c) => c.getMessages(old).length === 1 && c.getMessages(team).some((m) => m.text === 'lunch at the stadium') && c.getMessages(team).some((m) => m.deleted), 20_000, 'everything on bob');
    await alice.request({ type: 'members.remove', reqId: nextId('r-'), conversationId: old, userIds: ['bob'] } as never);
    await waitFor(bob, (c) => c.getConversation(old) === undefined, 10_000, 'bob out of the old group');
    expect(texts(await bob.search('lunch'))).toEqual(['filler 120 lunch', 'lunch at the stadium']);

    await s.close();
    await waitFor(bob, (c) => !online(c), 10_000, 'bob offline');
    await bob.send(team, 'lunch tomorrow?');
    const away = await bob.search('lunch');
    expect(away).toMatchObject({ source: 'local', offline: true });
    expect(texts(away)).toEqual(['lunch tomorrow?', 'filler 120 lunch', 'lunch at the stadium']);
    expect(away.hits.every((h) => h.from === 'local')).toBe(true);
    expect(away.hits[0]).toMatchObject({ seq: 0, message: { status: 'pending', senderId: 'bob' } });
    expect(away.hits[2]).toMatchObject({ conversationId: team, seq: typo.seq, message: { editedAt: expect.any(Number) } });
    expect(highlighted(away.hits[2]!)).toEqual(['lunch']);
    expect(texts(await bob.search('stadion'))).toEqual([]);
    expect(texts(await bob.search('hunter2'))).toEqual([]);
    expect(texts(await bob.search('lunch', { conversationId: old }))).toEqual([]);
    expect(texts(await bob.search('lunch', { order: 'relevance' }))[0]).toBe('lunch tomorrow?');

    // A restart with no server: memory holds the newest events only; the rest is read from storage.
    await bob.close();
    const restarted = createChatClient({ url: s.url, getToken: () => s.token('bob'), storage, deviceId: 'bob-laptop', autoConnect: false });
    scope.adopt(restarted);
    const cold = await restarted.search('lunch');
    expect(cold).toMatchObject({ source: 'local', offline: true });
    expect(texts(cold)).toEqual(['lunch tomorrow?', 'filler 120 lunch', 'lunch at the stadium']);
    expect(restarted.getMessages(team).some((m) => m.text === 'lunch at the stadium')).toBe(false);

    // Local pages: a local cursor pages the device's results.
    const one = await restarted.search('lunch', { limit: 1 });
    expect(texts(one)).toEqual(['lunch tomorrow?']);
    const two = await restarted.search('lunch', { limit: 2, cursor: one.cursor! });
    expect(texts(two)).toEqual(['filler 120 lunch', 'lunch at the stadium']);
    expect(two.cursor).toBeUndefined();
  });
});

describe('chat.loadAround', () => {
  /** "message N" texts shown, as numbers. */
  const numbers = (items: readonly { type: string; text?: string }[]) =>
    items.flatMap((m) => (m.type === 'message' && m.text?.startsWith('message ') ? [Number(m.text.slice(8).split(' ')[0])] : []));
  const contiguous = (ns: number[]) => ns.every((n, i) => i === 0 || n === ns[i - 1]! + 1);

  async function setUp() {
    const s = await scope.server();
    const alice = await scope.wire(s, 'alice');
    const team = await createGroup(alice, ['bob'], 'team');
    const acks = [];
    for (let i = 1; i <= 300; i += 1) acks.push(await sendText(alice, team, `message ${i}`));
    const storage = createMemoryStorage();
    const bob = scope.client(s, 'bob', { storage });
    await waitFor(bob, online);
    await waitFor(bob, (c) => c.getMessages(team).at(-1)?.text === 'message 300', 10_000, 'the tail on bob');
    return { s, alice, team, acks, bob, storage };
  }

  it('opens a window far back without a gap in the cache, shows live changes in it, and joins the cache as newer pages reach it', async () => {
    const { alice, team, acks, bob, storage } = await setUp();
    const cached = numbers(bob.getMessages(team));
    expect(cached.at(-1)).toBe(300);
    expect(cached[0]).toBeGreaterThan(100);

    const jump = await bob.loadAround(team, acks[39]!.seq);
    expect(jump).toMatchObject({ source: 'server', found: true, window: true, hasOlder: true, hasNewer: true });
    const shown = numbers(bob.getTimeline(team));
    expect(shown).toContain(40);
    expect(contiguous(shown)).toBe(true);
    expect(shown.at(-1)!).toBeLessThan(cached[0]!);
    expect(bob.getSnapshot().windows[team]).toMatchObject({ conversationId: team, aroundSeq: acks[39]!.seq, hasOlder: true, hasNewer: true });
    // The cache is as it was: the newest run, no gap, nothing of the window in it or in storage.
    expect(numbers(bob.getMessages(team))).toEqual(cached);
    const stored = (await storage.events.list(team)).filter((e) => e.kind === 'message').map((e) => Number(e.kind === 'message' ? e.data.text?.slice(8) : 0));
    expect(stored).not.toContain(40);

    // A live edit of a message in the window shows in the window.
    await changeOk(alice, team, acks[40]!.eventId, { kind: 'edit', text: 'message 41 (edited)' });
    await waitFor(bob, (c) => c.getTimeline(team).some((m) => m.type === 'message' && m.text === 'message 41 (edited)'), 10_000, 'the edit in the window');

    // A message of the window is one to act on: bob's reaction shows there, and stays once stored.
    const reacted = bob.getTimeline(team).find((m) => m.type === 'message' && m.seq === acks[39]!.seq);
    await bob.react(team, reacted!.type === 'message' ? reacted!.id! : '', 'thumbs_up');
    const reactions = (c: typeof bob) => {
      const m = c.getTimeline(team).find((i) => i.type === 'message' && i.seq === acks[39]!.seq);
      return m?.type === 'message' ? m.reactions.map((r) => `${r.key}${r.mine ? '*' : ''}`) : [];
    };
    expect(reactions(bob)).toEqual(['thumbs_up*']);
    await waitFor(bob, (c) => c.getSnapshot().messages[team]!.every((m) => m.status === 'sent') && !c.getTimeline(team).some((m) => m.type === 'message' && m.failedChanges), 10_000, 'the reaction stored');
    await waitFor(bob, () => reactions(bob).join() === 'thumbs_up*', 10_000, 'the stored reaction in the window');

    // Back: loadOlder pages the window, not the cache.
    const from = bob.getSnapshot().windows[team]!.fromSeq;
    await bob.loadOlder(team, 10);
    expect(bob.getSnapshot().windows[team]!.fromSeq).toBeLessThan(from);
    expect(contiguous(numbers(bob.getTimeline(team)))).toBe(true);
    expect(numbers(bob.getMessages(team))).toEqual(cached);

    // Forward until the window reaches the cache: it closes, and the cache now holds everything from its first event.
    const windowFirst = numbers(bob.getTimeline(team))[0]!;
    for (let pages = 0; bob.getSnapshot().windows[team] && pages < 30; pages += 1) await bob.loadNewer(team, 50);
    expect(bob.getSnapshot().windows[team]).toBeUndefined();
    const joined = numbers(bob.getMessages(team));
    expect(joined[0]).toBe(windowFirst);
    expect(joined.at(-1)).toBe(300);
    expect(contiguous(joined)).toBe(true);
    expect(numbers(bob.getTimeline(team))).toEqual(joined);
    expect(bob.getMessages(team).find((m) => m.seq === acks[40]!.seq)?.text).toBe('message 41 (edited)');
    // Older pages go on from there.
    await bob.loadOlder(team, 10);
    expect(numbers(bob.getMessages(team))[0]).toBe(Math.max(1, windowFirst - 10));
  });

  it('jumps back to the newest messages, and answers a seq the cache holds from the cache alone', async () => {
    const { s, team, acks, bob } = await setUp();
    const latest = bob.getTimeline(team);
    await bob.loadAround(team, acks[9]!.seq);
    expect(numbers(bob.getTimeline(team))).toContain(10);
    bob.closeWindow(team);
    expect(bob.getSnapshot().windows[team]).toBeUndefined();
    expect(bob.getTimeline(team)).toBe(latest);

    // Quoted or unread, a message in the cached timeline needs no server: this works with none.
    await s.close();
    await waitFor(bob, (c) => !online(c), 10_000, 'bob offline');
    const near = await bob.loadAround(team, acks[289]!.seq);
    expect(near).toMatchObject({ source: 'cache', found: true, window: false, hasNewer: false });
    expect(bob.getTimeline(team)).toBe(latest);
    // One it does not hold needs the server: refused (unavailable, or no answer in time).
    const refused = await bob.loadAround(team, acks[9]!.seq).then(() => null, (err: { code: number }) => err.code);
    expect([5030, 5040]).toContain(refused);
  });
});

