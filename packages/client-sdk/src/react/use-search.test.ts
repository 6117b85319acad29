// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { ErrorCode, PROTOCOL_VERSION, type MessageEvent, type SearchFrame, type SyncFrame } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import { ParleyProvider, useSearch } from '@parley/client-sdk/react';
import { createChatClientWith } from '../client/chat-client.js';
import { createMemoryStorage } from '../storage/memory-storage.js';
import { createFakeWire } from '../../test/support/fake-wire.js';

const clients: ChatClient[] = [];
afterEach(async () => {
  cleanup();
  for (const c of clients.splice(0)) await c.close();
});

const message = (seq: number, text: string): MessageEvent => ({
  id: `e${seq}`, conversationId: 'c1', seq, senderId: 'bob', ts: 1_000 + seq, kind: 'message', clientMsgId: `client-msg-${seq}`, data: { text },
});
const hit = (seq: number, text: string) => ({ conversationId: 'c1', seq, message: message(seq, text), snippet: text, highlights: [[0, 5]] as Array<[number, number]> });

function connected() {
  const wire = createFakeWire();
  const chat = createChatClientWith({ url: 'http://parley.test', getToken: () => 'tok', deviceId: 'd1' }, { transport: wire.factory });
  clients.push(chat);
  const ready = (async () => {
    await waitFor(() => expect(wire.auths.length).toBe(1));
    wire.accept();
    wire.push({ type: 'welcome', protocol: PROTOCOL_VERSION, userId: 'me', deviceId: 'd1', serverTime: 1, limits: {} });
    const sync = wire.frames('sync').at(-1) as SyncFrame;
    wire.push({ type: 'sync.result', reqId: sync.reqId, conversations: [], removed: [], events: [], hasMore: false });
  })();
  return { wire, chat, ready };
}

const within = (client: ChatClient) => ({ children }: { children: ReactNode }) => createElement(ParleyProvider, { client }, children);

describe('useSearch', () => {
  it('asks once the query settles, shows the latest query\'s hits, and appends the next page', async () => {
    const { wire, chat, ready } = connected();
    await act(() => ready);
    const { result, rerender } = renderHook(({ query }) => useSearch(query, { debounceMs: 0, order: 'relevance' }), { wrapper: within(chat), initialProps: { query: '' } });
    expect(result.current).toMatchObject({ results: [], status: 'idle', hasMore: false });

    rerender({ query: 'hello' });
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(wire.frames('search')).toHaveLength(1));
    const asked = wire.frames('search')[0] as SearchFrame;
    expect(asked).toMatchObject({ query: 'hello', order: 'relevance' });
    act(() => wire.push({ type: 'search.result', reqId: asked.reqId, hits: [hit(3, 'hello there')], cursor: 'next-1' }));
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(result.current).toMatchObject({ source: 'server', offline: false, hasMore: true });
    expect(result.current.results.map((h) => h.message.text)).toEqual(['hello there']);

    act(() => result.current.loadMore());
    await waitFor(() => expect(wire.frames('search')).toHaveLength(2));
    const more = wire.frames('search')[1] as SearchFrame;
    expect(more).toMatchObject({ query: 'hello', cursor: 'next-1' });
    act(() => wire.push({ type: 'search.result', reqId: more.reqId, hits: [hit(1, 'hello again'), hit(3, 'hello there')] }));
    await waitFor(() => expect(result.current.results.map((h) => h.message.text)).toEqual(['hello there', 'hello again']));
    expect(result.current.hasMore).toBe(false);

    // A new query: its answer only, never the old one's.
    rerender({ query: 'bye' });
    expect(result.current).toMatchObject({ results: [], status: 'loading' });
    await waitFor(() => expect(wire.frames('search')).toHaveLength(3));
    const bye = wire.frames('search')[2] as SearchFrame;
    act(() => wire.push({ type: 'error', reqId: bye.reqId, code: ErrorCode.RATE_LIMITED, message: 'slow down', retryable: true }));
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error?.message).toBe('slow down');
  });

  it('searches the device when not connected, marked offline', async () => {
    const storage = createMemoryStorage();
    const chat = createChatClientWith({ url: 'http://parley.test', getToken: () => 'tok', deviceId: 'd1', storage, autoConnect: false }, { transport: createFakeWire().factory });
    clients.push(chat);
    await act(async () => {
      await chat.send('c1', 'hello from the train');
    });
    const { result } = renderHook(() => useSearch('hello', { debounceMs: 0 }), { wrapper: within(chat) });
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(result.current).toMatchObject({ source: 'local', offline: true, hasMore: false });
    expect(result.current.results.map((h) => [h.message.text, h.from, h.message.status])).toEqual([['hello from the train', 'local', 'pending']]);
  });
});
