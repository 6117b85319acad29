import { describe, expect, it } from 'vitest';
import {
  Limits,
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type ConversationSummary,
  type EventFrame,
  type ServerFrame,
  type SyncResultFrame,
  type WelcomeFrame,
} from '@parley/protocol';
import { createMemoryStore } from '@parley/server-sdk';
import { testScope } from './helpers/scope.js';
import { createGroup, sendText } from './helpers/fixtures.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import type { TestServer } from './helpers/test-server.js';
import { sendOk } from './helpers/content.js';

/**
 * The handshake negotiates a version and the server's edge speaks it: a client of the previous
 * protocol gets only frames it can parse, and what it sends means what it meant. (The previous
 * release's own client runs against this server in tests/compat.)
 */
const scope = testScope();

async function connectAt(s: TestServer, userId: string, protocol: number): Promise<WireClient> {
  return scope.adopt(await connectWire(s.url, { token: await s.token(userId), protocol }));
}
const welcomeOf = (w: WireClient) => w.waitFor((f): f is WelcomeFrame => f.type === 'welcome');

/** Every key anywhere in a frame: protocol 2 parses strict objects, so one unknown key drops the frame. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      into.add(key);
      keysOf(inner, into);
    }
  }
  return into;
}
async function summaryOf(w: WireClient, id: string): Promise<ConversationSummary | undefined> {
  const sync = await w.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors: [] });
  return sync.conversations.find((c) => c.id === id);
}

/** What protocol 3 added to frames protocol 2 clients receive. */
const NEWER_KEYS = ['ownerId', 'next'];

describe('protocol negotiation', () => {
  it('answers each client in its own version, a newer one in the newest it speaks', async () => {
    const s = await scope.server();
    expect(OLDEST_PROTOCOL_VERSION).toBeLessThan(PROTOCOL_VERSION);
    for (const [asked, answered] of [
      [OLDEST_PROTOCOL_VERSION, OLDEST_PROTOCOL_VERSION],
      [PROTOCOL_VERSION, PROTOCOL_VERSION],
      [PROTOCOL_VERSION + 1, PROTOCOL_VERSION],
    ] as const) {
      const w = await connectAt(s, `u${asked}`, asked);
      expect((await welcomeOf(w)).protocol).toBe(answered);
    }
  });

  it('pushes a change of group owner in each client version`s form, to both versions, once', async () => {
    const s = await scope.server();
    const alice = await connectAt(s, 'alice', PROTOCOL_VERSION);
    const oldBob = await connectAt(s, 'bob', OLDEST_PROTOCOL_VERSION);
    const carol = await connectAt(s, 'carol', PROTOCOL_VERSION);
    const conversationId = await createGroup(alice, ['bob', 'carol']);
    await sendText(oldBob, conversationId, 'from the old app');
    // The owner leaves: ownership passes on, which protocol 2 has no field for.
    await alice.request({ type: 'members.remove', reqId: nextId(), conversationId, userIds: ['alice'] });
    const isRemoval = (f: ServerFrame) => f.type === 'event' && f.event.kind === 'members.removed';
    const [forCarol, forBob] = await Promise.all([carol.waitFor(isRemoval), oldBob.waitFor(isRemoval)]);
    expect(forCarol).toMatchObject({ event: { data: { userIds: ['alice'], ownerId: 'bob' } } });
    expect(forBob).toMatchObject({ event: { seq: (forCarol as { event: { seq: number } }).event.seq, data: { userIds: ['alice'] } } });
    // The old client's message reached the current one; each frame came exactly once.
    await carol.waitFor((f) => f.type === 'event' && f.event.kind === 'message');
    const count = (w: WireClient) => w.frames.filter(isRemoval).length;
    // Another frame after the removal: anything duplicated would have arrived by now.
    await sendText(carol, conversationId, 'after');
    await oldBob.waitFor((f) => f.type === 'event' && f.event.kind === 'message' && f.event.data.text === 'after');
    expect([count(carol), count(oldBob)]).toEqual([1, 1]);
    for (const frame of oldBob.frames) expect([...keysOf(frame)].filter((k) => NEWER_KEYS.includes(k))).toEqual([]);

    // A request answered to the old client: the summary comes without the owner.
    const sync = await oldBob.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors: [] });
    expect(sync.conversations.map((c) => c.id)).toContain(conversationId);
    expect([...keysOf(sync)].filter((k) => NEWER_KEYS.includes(k))).toEqual([]);
    const fresh = await carol.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors: [] });
    expect(fresh.conversations.find((c) => c.id === conversationId)?.ownerId).toBe('bob');
  });

  it('pushes a message with app data, mentions and a quote whole to protocol 4 and as its text to protocols 3 and 2, once each', async () => {
    const s = await scope.server();
    const alice = await connectAt(s, 'alice', PROTOCOL_VERSION);
    const bob = await connectAt(s, 'bob', PROTOCOL_VERSION);
    const [v3, v2] = [await connectAt(s, 'carol', 3), await connectAt(s, 'dave', 2)];
    const conversationId = await createGroup(alice, ['bob', 'carol', 'dave']);
    const quoted = await sendOk(alice, conversationId, { text: 'lunch?' });
    const rich = await sendOk(alice, conversationId, { text: 'order', custom: { orderId: 'A-1' }, mentions: ['carol'], replyTo: quoted.eventId });
    const cardOnly = await sendOk(alice, conversationId, { custom: { card: 'poll' } });
    const last = await sendOk(alice, conversationId, { text: 'last' });
    const atSeq = (w: WireClient, seq: number) => w.waitFor((f): f is EventFrame => f.type === 'event' && f.event.seq === seq);
    const replyTo = { messageId: quoted.eventId, seq: quoted.seq, senderId: 'alice', preview: 'lunch?' };
    expect((await atSeq(bob, rich.seq)).event.data).toEqual({ text: 'order', custom: { orderId: 'A-1' }, mentions: ['carol'], replyTo });
    expect((await atSeq(bob, cardOnly.seq)).event.data).toEqual({ custom: { card: 'poll' } });
    for (const old of [v3, v2]) {
      expect((await atSeq(old, rich.seq)).event).toMatchObject({ kind: 'message', data: { text: 'order' } });
      expect((await atSeq(old, rich.seq)).event.data).toEqual({ text: 'order' });
      // No form for a message without text: the placeholder keeps its seq.
      expect((await atSeq(old, cardOnly.seq)).event).toMatchObject({ kind: 'members.added', data: { userIds: [] } });
      await atSeq(old, last.seq);
    }
    await atSeq(bob, last.seq);
    for (const w of [bob, v3, v2]) {
      const seqs = w.frames.filter((f): f is EventFrame => f.type === 'event').map((f) => f.event.seq);
      expect(seqs.filter((seq) => seq >= quoted.seq)).toEqual([quoted.seq, rich.seq, cardOnly.seq, last.seq]);
      expect(w.invalid).toEqual([]);
    }
    // Answers to requests are in each version's form too (each parses with its own schemas).
    for (const old of [v3, v2]) {
      const sync = await old.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors: [{ conversationId, seq: 0 }] });
      expect(sync.conversations.find((c) => c.id === conversationId)).not.toHaveProperty('unreadMentions');
      expect(sync.events.map((e) => e.kind)).toEqual(['conversation.created', 'message', 'message', 'members.added', 'message']);
      expect(old.invalid).toEqual([]);
    }
    const fresh = await summaryOf(bob, conversationId);
    expect(fresh).toMatchObject({ unread: 4, unreadMentions: 0 });
  });

  it('walks a long conversation list for a client that repeats sync without a list cursor, to its end', async () => {
    const store = createMemoryStore();
    const total = Limits.maxSyncSummaries * 2 + 30;
    for (let i = 0; i < total; i++) {
      await store.createConversation({
        id: `g-${i}`, kind: 'group', title: `group ${i}`, createdBy: 'owner', members: ['owner', 'alice'], directKey: null, ts: 1_700_000_000_000 + i,
      });
    }
    const s = await scope.server({ store });
    const oldAlice = await connectAt(s, 'alice', OLDEST_PROTOCOL_VERSION);
    // Protocol 2's loop: sync with every cursor held, again while `hasMore`, never an `after`.
    const held = new Map<string, number>();
    let pages = 0;
    for (let more = true; more; pages++) {
      expect(pages).toBeLessThan(10);
      const cursors = [...held].map(([conversationId, seq]) => ({ conversationId, seq }));
      const page = await oldAlice.request<SyncResultFrame>({ type: 'sync', reqId: nextId(), cursors });
      expect(page.next).toBeUndefined();
      page.conversations.forEach((c: ConversationSummary) => held.set(c.id, c.lastSeq));
      more = page.hasMore;
    }
    expect(held.size).toBe(total);
    expect(pages).toBeGreaterThan(1);
  });
});
