import { describe, expect, it } from 'vitest';
import {
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  parseClientFrame,
  parseServerFrame,
  type ConversationSummary,
  type LogEvent,
  type ServerFrame,
  type SyncResultFrame,
} from '@parley/protocol';
import { createProtocolEdge, frameFor, knownEvent, negotiate } from './protocol-edge.js';

const base = { id: 'e1', conversationId: 'c1', seq: 7, senderId: 'alice', ts: 1_700_000_000_000 };
const message: LogEvent = { ...base, kind: 'message', clientMsgId: 'm-00000001', data: { text: 'hi' } };
const replyTo = { messageId: 'e0', seq: 6, senderId: 'bob', preview: 'hello' };
const rich: LogEvent = { ...message, data: { text: 'hi', custom: { a: 1 }, mentions: ['bob'], replyTo } };
const cardOnly: LogEvent = { ...message, seq: 8, data: { custom: { card: 'order' } } };
/** What a newer release could write to the shared store: a kind and fields this one does not know. */
const foreign = (event: Record<string, unknown>) => event as unknown as LogEvent;

describe('negotiate', () => {
  it('speaks every version from the oldest to its own, and a newer client its own', () => {
    expect(negotiate(OLDEST_PROTOCOL_VERSION - 1)).toBeNull();
    expect(negotiate(OLDEST_PROTOCOL_VERSION)).toBe(OLDEST_PROTOCOL_VERSION);
    expect(negotiate(PROTOCOL_VERSION)).toBe(PROTOCOL_VERSION);
    expect(negotiate(PROTOCOL_VERSION + 5)).toBe(PROTOCOL_VERSION);
    expect(negotiate(2.5)).toBeNull();
  });
});

describe('events a newer node wrote', () => {
  it('passes known events through as the same object', () => {
    expect(knownEvent(message)).toBe(message);
    const frame: ServerFrame = { type: 'event', event: message };
    expect(frameFor(PROTOCOL_VERSION, frame)).toBe(frame);
  });

  it('drops fields this version does not know, keeping what it does', () => {
    const edited = foreign({ ...message, editedAt: 5, data: { text: 'hi', custom: { a: 1 }, attachment: { id: 'a1' } } });
    expect(knownEvent(edited)).toEqual({ ...message, data: { text: 'hi', custom: { a: 1 } } });
  });

  it('knows every field of a message: app data, mentions and a quote pass through as they are', () => {
    expect(knownEvent(rich)).toBe(rich);
    expect(knownEvent(cardOnly)).toBe(cardOnly);
  });

  it('turns an unknown kind into an empty membership change at the same seq, which every client parses and folds to nothing', () => {
    const reaction = foreign({ ...base, kind: 'poll.voted', clientMsgId: 'r-1', data: { target: 'e0', option: 2 } });
    const known = knownEvent(reaction);
    expect(known).toEqual({ ...base, kind: 'members.added', data: { userIds: [] } });
    // A kind this release knows, written by a newer one with a field renamed: no valid form either.
    const renamed = foreign({ ...base, kind: 'reaction.added', clientMsgId: 'r-2', data: { target: 'e0', key: '+1' } });
    expect(knownEvent(renamed)).toEqual({ ...base, kind: 'members.added', data: { userIds: [] } });
    for (const version of [OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION]) {
      const frame = frameFor(version, { type: 'history.result', reqId: 'r1', conversationId: 'c1', events: [message, reaction], hasMore: false });
      expect(parseServerFrame(frame).ok).toBe(true);
    }
  });

  it('turns a message without text (a newer kind of content) into the placeholder too', () => {
    const attachmentOnly = foreign({ ...message, data: { attachment: { id: 'a1' } } });
    expect(knownEvent(attachmentOnly)).toMatchObject({ seq: 7, kind: 'members.added', data: { userIds: [] } });
  });
});

describe('a protocol 3 connection', () => {
  const summary: ConversationSummary = {
    id: 'c1', kind: 'group', title: 't', members: ['alice', 'bob'], memberCount: 2, ownerId: 'alice', lastSeq: 8,
    lastActivityAt: 1, createdAt: 1, readSeq: 0, deliveredSeq: 0, unread: 3, unreadMentions: 1, receipts: [],
  };

  it('gets messages with their text only, and a message without text as the placeholder at its seq', () => {
    const edge = createProtocolEdge(3);
    expect(edge.outbound({ type: 'event', event: rich })).toEqual({ type: 'event', event: { ...message, data: { text: 'hi' } } });
    expect(edge.outbound({ type: 'event', event: cardOnly })).toEqual({ type: 'event', event: { ...base, seq: 8, kind: 'members.added', data: { userIds: [] } } });
    const plain: ServerFrame = { type: 'event', event: message };
    expect(edge.outbound(plain)).toBe(plain);
  });

  it('gets summaries without unreadMentions, and protocol 2 gets protocol 3`s form with its own changes on top', () => {
    const sync: ServerFrame = {
      type: 'sync.result', reqId: 's1', conversations: [summary], removed: [], events: [rich, cardOnly], hasMore: true,
      next: { lastActivityAt: 1, conversationId: 'c1' },
    };
    const v3 = createProtocolEdge(3).outbound(sync);
    expect(v3).toMatchObject({ next: { conversationId: 'c1' }, events: [{ data: { text: 'hi' } }, { kind: 'members.added' }] });
    expect((v3 as SyncResultFrame).conversations[0]).not.toHaveProperty('unreadMentions');
    expect((v3 as SyncResultFrame).conversations[0]).toHaveProperty('ownerId', 'alice');
    const v2 = createProtocolEdge(2).outbound(sync) as SyncResultFrame;
    expect(v2).not.toHaveProperty('next');
    expect(v2.conversations[0]).not.toHaveProperty('unreadMentions');
    expect(v2.conversations[0]).not.toHaveProperty('ownerId');
    expect(v2.events).toEqual((v3 as SyncResultFrame).events);
    for (const version of [2, 3]) {
      expect(frameFor(version, { type: 'conversation', reqId: 'r1', conversation: summary })).toMatchObject({ conversation: { unread: 3 } });
    }
  });

  it('pages its conversation list with its own cursor: the server adds none (protocol 2`s walk is not for it)', () => {
    const edge = createProtocolEdge(3);
    const at = { lastActivityAt: 5, conversationId: 'c9' };
    expect(edge.inbound({ type: 'sync', reqId: 's1', cursors: [] })).toEqual({ type: 'sync', reqId: 's1', cursors: [] });
    edge.outbound({ type: 'sync.result', reqId: 's1', conversations: [], removed: [], events: [], hasMore: true, next: at });
    expect(edge.inbound({ type: 'sync', reqId: 's2', cursors: [] })).not.toHaveProperty('after');
  });

  it('sends SEND frames that are valid in the current protocol', () => {
    const send = { type: 'send', conversationId: 'c1', clientMsgId: 'm-00000002', after: 'm-00000001', data: { text: 'hi' } };
    expect(parseClientFrame(createProtocolEdge(3).inbound(send)).ok).toBe(true);
    expect(parseClientFrame(createProtocolEdge(2).inbound(send)).ok).toBe(true);
  });
});

describe('a protocol 2 connection', () => {
  it('is never sent what protocol 2 had no frame for, and maps the resync reasons it did not know', () => {
    const edge = createProtocolEdge(2);
    expect(edge.outbound({ type: 'watch.result', reqId: 'r1', conversationIds: [] })).toBeNull();
    expect(edge.outbound({ type: 'resync', reason: 'push-failed' })).toEqual({ type: 'resync', reason: 'bus-recovered' });
  });

  it('continues its conversation-list walk where the last page stopped, and starts over once a walk ended', () => {
    const edge = createProtocolEdge(2);
    const at = { lastActivityAt: 5, conversationId: 'c9' };
    const page = (reqId: string, hasMore: boolean): ServerFrame => ({
      type: 'sync.result', reqId, conversations: [], removed: [], events: [], hasMore, ...(hasMore ? { next: at } : {}),
    });
    expect(edge.inbound({ type: 'sync', reqId: 's1', cursors: [] })).toEqual({ type: 'sync', reqId: 's1', cursors: [] });
    expect(edge.outbound(page('s1', true))).not.toHaveProperty('next');
    expect(edge.inbound({ type: 'sync', reqId: 's2', cursors: [] })).toMatchObject({ after: at });
    // A gap fill in between does not move the walk.
    expect(edge.inbound({ type: 'sync', reqId: 'g1', cursors: [], only: true })).not.toHaveProperty('after');
    edge.outbound(page('g1', false));
    edge.outbound(page('s2', false));
    expect(edge.inbound({ type: 'sync', reqId: 's3', cursors: [] })).not.toHaveProperty('after');
  });

  it('reads a sync with more cursors than protocol 3 allows as one within the limit (the rest come by the walk)', () => {
    const cursors = Array.from({ length: 900 }, (_, i) => ({ conversationId: `c${i}`, seq: 0 }));
    const upgraded = createProtocolEdge(2).inbound({ type: 'sync', reqId: 's1', cursors }) as { cursors: unknown[] };
    expect(upgraded.cursors.length).toBeLessThan(cursors.length);
  });
});
