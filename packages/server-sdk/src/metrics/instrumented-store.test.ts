import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@parley/protocol';
import { createMemoryStore } from '../store/memory-store.js';
import type { ChatStore } from '../store/types.js';
import { createChatMetrics } from './chat-metrics.js';
import { instrumentStore } from './instrumented-store.js';

const T0 = 1_700_000_000_000;
const series = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(name));

describe('instrumentStore', () => {
  it('times the protocol-6 methods, passes a block limit refusal through as LIMIT_EXCEEDED, and counts only failures as store errors', async () => {
    const metrics = createChatMetrics();
    const store = instrumentStore(createMemoryStore(), metrics);
    await store.createConversation({ id: 'g1', kind: 'group', title: 't', createdBy: 'alice', members: ['alice', 'bob'], directKey: null, ts: T0 });
    expect(await store.setRoles('g1', [{ userId: 'bob', role: 'admin' }])).toMatchObject([{ userId: 'bob', role: 'admin' }]);
    await store.updateBlocks('alice', { block: ['bob'] }, 1, T0);
    await expect(store.updateBlocks('alice', { block: ['carol'] }, 1, T0)).rejects.toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED });
    expect(await store.listBlocks('alice')).toEqual(['bob']);

    const failing = instrumentStore({ ...createMemoryStore(), saveReport: () => Promise.reject(new Error('connection reset')) } as ChatStore, metrics);
    await expect(failing.saveReport({ id: 'r', conversationId: 'g1', messageId: 'm', messageSeq: 2, reporterId: 'bob', reason: '', createdAt: T0, updatedAt: T0 }))
      .rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });

    const text = await metrics.registry.render();
    expect(series(text, 'parley_store_latency_seconds_count').join('\n')).toMatch(/op="setRoles"/);
    expect(series(text, 'parley_store_latency_seconds_count').join('\n')).toMatch(/op="updateBlocks"/);
    expect(series(text, 'parley_store_errors_total')).toEqual([expect.stringMatching(/op="saveReport".* 1$/)]);
  });
});
