import { describe, expect, it } from 'vitest';
import { withCached } from './cached-state.js';
import { initialChatState } from '../state/chat-state.js';
import type { OutboxEntry } from '../storage/client-storage.js';

const entry = (clientMsgId: string, text: string): OutboxEntry => ({ clientMsgId, conversationId: 'c1', text, createdAt: 1, status: 'pending', attempts: 0 });

describe('withCached', () => {
  it('keeps an outbox entry the state holds that storage did not list yet (a tab handing one over while the new leader read storage)', () => {
    const state = { ...initialChatState({ status: 'idle', attempt: 0 }), outbox: [entry('0002', 'handed over')] };
    const cached = { outbox: [entry('0001', 'stored'), entry('0003', 'stored later')], conversations: new Map(), userId: 'me', blocks: null };
    const merged = withCached(state, cached);
    expect(merged.outbox.map((e) => e.clientMsgId)).toEqual(['0001', '0002', '0003']);
    expect(merged.userId).toBe('me');
  });

  it('takes the stored copy of an entry both hold (storage has its latest state: a slot id, a failure)', () => {
    const state = { ...initialChatState({ status: 'idle', attempt: 0 }), outbox: [entry('0001', 'old')] };
    const stored = { ...entry('0001', 'old'), status: 'failed' as const, error: { code: 4000, message: 'no' } };
    const merged = withCached(state, { outbox: [stored], conversations: new Map(), userId: null, blocks: null });
    expect(merged.outbox).toEqual([stored]);
  });
});
