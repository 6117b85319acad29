import { describe, expect, it } from 'vitest';
import { ErrorCode, Limits, type AckFrame } from '@parley/protocol';
import { applyAck, applyIncomingEvents, applyRead, applySyncResult, initialChatState, type ChatState } from './chat-state.js';
import { newEntry, putEntry } from './outbox.js';
import { replyPreview } from '@parley/protocol';
import { createSnapshotBuilder } from './views.js';
import { entryContent, validateSend } from '../core/send-content.js';
import { sendLimits } from '../core/client-rules.js';
import { message, summary } from '../../test/support/fixtures.js';

const ID = '01890a5d-ac96-774b-bcce-b302099a8057';

function synced(overrides: Parameters<typeof summary>[0] = {}, events = [message(1, 'bob', { text: 'quote me' })]): ChatState {
  const state = { ...initialChatState({ status: 'online', attempt: 0 }), userId: 'me' };
  return applySyncResult(state, {
    type: 'sync.result', reqId: 'r', conversations: [summary({ lastSeq: events.length, ...overrides })], removed: [], events, hasMore: false,
  });
}

/** What `send()` queues for `content` and `options` in `state`. */
function queue(state: ChatState, clientMsgId: string, content: Parameters<typeof validateSend>[2], options = {}): ChatState {
  const { data } = validateSend('c1', ID, content, options);
  return { ...state, outbox: putEntry(state.outbox, newEntry(clientMsgId, 'c1', entryContent(state, 'c1', data), 0)) };
}

const ack = (clientMsgId: string, seq: number): AckFrame => ({
  type: 'ack', conversationId: 'c1', clientMsgId, eventId: `e${seq}`, seq, ts: 9_000, duplicate: false,
});

describe('message content', () => {
  it('cuts a reply preview as the server does, never halving a surrogate pair', () => {
    expect(replyPreview(undefined)).toBe('');
    expect(replyPreview('short')).toBe('short');
    expect(replyPreview('x'.repeat(500))).toHaveLength(Limits.maxReplyPreviewLength);
    expect(replyPreview(`${'x'.repeat(199)}👋tail`)).toBe('x'.repeat(199));
    expect(replyPreview(`${'x'.repeat(198)}👋tail`)).toBe(`${'x'.repeat(198)}👋`);
  });

  it('shows a pending reply with its quote, mentions and custom data at once', () => {
    const state = queue(synced(), 'm-0001', { text: 'hi @me', custom: { card: 1 } }, { replyTo: 'c1-e1', mentions: ['me', 'bob'] });
    const [, pending] = createSnapshotBuilder()(state).messages.c1 ?? [];
    expect(pending).toMatchObject({
      status: 'pending', text: 'hi @me', custom: { card: 1 }, mentions: ['me', 'bob'], mentionsMe: true,
      replyTo: { messageId: 'c1-e1', seq: 1, senderId: 'bob', preview: 'quote me' },
    });
  });

  it('enters an acked message into the log as the server stored it: custom-only, mentions, the quote', () => {
    const state = applyAck(queue(synced(), 'm-0001', { custom: { poll: ['a', 'b'] } }, { replyTo: 'c1-e1', mentions: ['bob'] }), ack('m-0001', 2));
    expect(state.outbox).toEqual([]);
    expect(state.conversations.get('c1')?.events[1]?.data).toEqual({
      custom: { poll: ['a', 'b'] }, mentions: ['bob'], replyTo: { messageId: 'c1-e1', seq: 1, senderId: 'bob', preview: 'quote me' },
    });
    const view = createSnapshotBuilder()(state).messages.c1?.[1];
    expect(view?.text).toBeUndefined();
    expect(view).toMatchObject({ status: 'sent', mentionsMe: false, custom: { poll: ['a', 'b'] } });
  });

  it('keeps a reply whose quote it does not hold pending until the log brings the stored message', () => {
    const queued = queue(synced(), 'm-0001', 'hi', { replyTo: 'elsewhere' });
    expect(createSnapshotBuilder()(queued).messages.c1?.[1]?.replyTo).toEqual({ messageId: 'elsewhere' });
    expect(applyAck(queued, ack('m-0001', 2))).toBe(queued);
    const replyTo = { messageId: 'elsewhere', seq: 1, senderId: 'bob', preview: 'quote me' };
    const stored = message(2, 'me', { clientMsgId: 'm-0001', data: { text: 'hi', replyTo } });
    const state = applyIncomingEvents(queued, [stored]);
    expect(state.outbox).toEqual([]);
    expect(createSnapshotBuilder()(state).messages.c1?.[1]).toMatchObject({ status: 'sent', replyTo });
  });

  it('counts unread mentions from the summary plus what arrived, and clears them on read', () => {
    const events = [message(1, 'bob'), message(2, 'bob', { data: { text: 'a', mentions: ['me'] } }), message(3, 'bob')];
    let state = synced({ readSeq: 1, unread: 2, unreadMentions: 1 }, events);
    state = applyIncomingEvents(state, [
      message(4, 'bob', { data: { text: '@me', mentions: ['me'] } }),
      message(5, 'me', { data: { text: 'myself', mentions: ['me'] } }),
      message(6, 'carol', { data: { text: '@bob', mentions: ['bob'] } }),
    ]);
    const view = (s: ChatState) => createSnapshotBuilder()(s).conversations[0];
    expect(view(state)).toMatchObject({ unread: 4, unreadMentions: 2 });
    expect(view(applyRead(state, 'c1', 3))).toMatchObject({ unread: 2, unreadMentions: 1 });
    expect(view(applyRead(state, 'c1', 6))).toMatchObject({ unread: 0, unreadMentions: 0 });
  });

  it('refuses bad content at once with a readable BAD_FRAME', () => {
    const refusal = (content: unknown, options = {}) => {
      try {
        validateSend('c1', ID, content, options);
      } catch (err) {
        return err as { code: number; message: string };
      }
      return undefined;
    };
    expect(refusal({})).toMatchObject({ code: ErrorCode.BAD_FRAME, message: "A message can't be empty" });
    expect(refusal({ custom: { blob: 'x'.repeat(5_000) } })?.message).toMatch(/^Custom data can be at most 4,096 bytes/);
    expect(refusal({ custom: { at: new Date(0) } })?.message).toMatch(/^Custom data must be a plain JSON object/);
    expect(refusal({ custom: [1] })?.code).toBe(ErrorCode.BAD_FRAME);
    expect(refusal({ text: 'hi', html: '<b>' })?.message).toBe('A message has text and custom only (not "html")');
    expect(refusal('hi', { mentions: ['bob', 'bob'] })?.message).toBe('A message can mention each user once');
    expect(refusal('hi', { mentions: Array.from({ length: 51 }, (_, i) => `u${i}`) })?.code).toBe(ErrorCode.BAD_FRAME);
    expect(refusal('hi', { replyTo: 'not an id' })?.code).toBe(ErrorCode.BAD_FRAME);
    expect(validateSend('c1', ID, { custom: { ok: true } }, { mentions: [] })).toEqual({ data: { custom: { ok: true } }, files: [] });
  });

  it("holds content to the limits the server's welcome lowered, never above the protocol's", () => {
    const limits = sendLimits({ limits: { maxCustomBytes: 100, maxMentions: 2, maxTextLength: 99_999 } });
    expect(limits).toMatchObject({ maxTextLength: Limits.maxTextLength, maxCustomBytes: 100, maxMentions: 2 });
    expect(() => validateSend('c1', ID, { custom: { blob: 'x'.repeat(100) } }, {}, limits)).toThrow(/^Custom data can be at most 100 bytes/);
    expect(() => validateSend('c1', ID, 'hi', { mentions: ['a', 'b', 'c'] }, limits)).toThrow('A message can mention at most 2 users (this one mentions 3)');
  });
});
