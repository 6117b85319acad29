import { describe, expect, it } from 'vitest';
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, parseServerFrame, type LogEvent, type ServerFrame } from '@parley/protocol';
import { createProtocolEdge, frameFor, knownEvent, negotiate } from './protocol-edge.js';

const base = { id: 'e1', conversationId: 'c1', seq: 7, senderId: 'alice', ts: 1_700_000_000_000 };
const message: LogEvent = { ...base, kind: 'message', clientMsgId: 'm-00000001', data: { text: 'hi' } };
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
    const edited = foreign({ ...message, editedAt: 5, data: { text: 'hi', custom: { a: 1 } } });
    expect(knownEvent(edited)).toEqual(message);
  });

  it('turns an unknown kind into an empty membership change at the same seq, which every client parses and folds to nothing', () => {
    const reaction = foreign({ ...base, kind: 'reaction.added', clientMsgId: 'r-1', data: { target: 'e0', key: '+1' } });
    const known = knownEvent(reaction);
    expect(known).toEqual({ ...base, kind: 'members.added', data: { userIds: [] } });
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
