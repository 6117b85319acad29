// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { PROTOCOL_VERSION, type SyncFrame } from '@parley/protocol';
import type { ChatClient } from '@parley/client-sdk';
import { ParleyProvider, useBlocks, useUser, useUserSearch } from '@parley/client-sdk/react';
import { createChatClientWith } from '../client/chat-client.js';
import { createFakeWire } from '../../test/support/fake-wire.js';

const clients: ChatClient[] = [];
afterEach(async () => {
  cleanup();
  for (const c of clients.splice(0)) await c.close();
});

/** A client over a fake wire, welcomed and synced. */
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

function Author({ id }: { id: string }) {
  const user = useUser(id);
  return createElement('span', { 'data-testid': id }, user?.name ?? id);
}

describe('people hooks', () => {
  it('useUser: the authors of one render are asked in one request and shown when they arrive', async () => {
    const { wire, chat, ready } = connected();
    await act(() => ready);
    render(createElement(ParleyProvider, { client: chat }, ['bob', 'carol', 'bob'].map((id, i) => createElement(Author, { key: i, id }))));
    await waitFor(() => expect(wire.frames('users')).toHaveLength(1));
    const asked = wire.frames('users')[0]!;
    expect(asked.userIds).toEqual(['bob', 'carol']);
    expect(screen.getAllByTestId('bob').map((e) => e.textContent)).toEqual(['bob', 'bob']);
    act(() => wire.push({ type: 'users.result', reqId: asked.reqId, users: [{ id: 'bob', name: 'Bob' }, { id: 'carol', name: 'Carol' }] }));
    await waitFor(() => expect(screen.getAllByTestId('bob').map((e) => e.textContent)).toEqual(['Bob', 'Bob']));
    expect(screen.getByTestId('carol').textContent).toBe('Carol');
  });

  it('useBlocks and useUserSearch: block a user, find people', async () => {
    const { wire, chat, ready } = connected();
    await act(() => ready);
    const { result, rerender } = renderHook(({ query }) => ({ blocks: useBlocks(), search: useUserSearch(query, { debounceMs: 0 }) }), {
      wrapper: within(chat),
      initialProps: { query: '' },
    });
    expect(result.current.search).toEqual({ users: [], loading: false });
    let blocked: Promise<readonly string[]> = Promise.resolve([]);
    act(() => void (blocked = result.current.blocks.block('bob')));
    await waitFor(() => expect(wire.frames('blocks').some((f) => f.block !== undefined)).toBe(true));
    const change = wire.frames('blocks').find((f) => f.block !== undefined)!;
    act(() => wire.push({ type: 'blocks.result', reqId: change.reqId, userIds: ['bob'] }));
    await act(() => blocked);
    expect([result.current.blocks.blocks, result.current.blocks.isBlocked('bob')]).toEqual([['bob'], true]);

    rerender({ query: 'car' });
    expect(result.current.search.loading).toBe(true);
    await waitFor(() => expect(wire.frames('users').some((f) => f.query === 'car')).toBe(true));
    const search = wire.frames('users').find((f) => f.query === 'car')!;
    act(() => wire.push({ type: 'users.result', reqId: search.reqId, users: [{ id: 'carol', name: 'Carol' }] }));
    await waitFor(() => expect(result.current.search).toEqual({ users: [{ id: 'carol', name: 'Carol' }], loading: false }));
  });
});
