// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ChatClient, TimelineItem } from '@parley/client-sdk';
import { ParleyProvider, useTimeline } from '@parley/client-sdk/react';
import { startServerProcess } from '../../test/support/server-process.js';

const teardown: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  cleanup();
  for (const step of teardown.splice(0).reverse()) await step();
});

const within = (client: ChatClient | null) => ({ children }: { children: ReactNode }) => createElement(ParleyProvider, { client }, children);
const eventually = { timeout: 10_000 };
const read = (items: readonly TimelineItem[]) =>
  items.map((i) => (i.type === 'system' ? `${i.actorId} ${i.event} ${i.userIds.join(',')}${i.ownerId ? ` owner:${i.ownerId}` : ''}` : `${i.senderId}: ${i.text}`));

describe('useTimeline', () => {
  it('shows messages with the membership lines between them, live, and the message deadlines of the server\'s window', async () => {
    const server = await startServerProcess(teardown);
    const alice = server.client('alice');
    const bob = server.client('bob');
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    const theirs = renderHook(() => useTimeline(id), { wrapper: within(bob) });
    await waitFor(() => expect(read(theirs.result.current.items)).toEqual(['alice created alice,bob']), eventually);

    await act(async () => {
      await alice.send(id, 'hello');
      await alice.addMembers(id, ['carol']);
    });
    await waitFor(() => expect(read(theirs.result.current.items)).toEqual(['alice created alice,bob', 'alice: hello', 'alice added carol']), eventually);
    const rendered = theirs.result.current.items;
    theirs.rerender();
    expect(theirs.result.current.items).toBe(rendered);

    await act(() => alice.removeMembers(id, ['alice']));
    await waitFor(() => expect(read(theirs.result.current.items).at(-1)).toBe('alice left alice owner:bob'), eventually);
    expect(theirs.result.current.hasOlder).toBe(false);

    // The reference server keeps the default window (24 h) and announces it: own stored messages carry their deadline.
    const mine = renderHook(() => useTimeline(id), { wrapper: within(bob) });
    await act(() => bob.send(id, 'mine now'));
    await waitFor(() => expect(mine.result.current.items.at(-1)).toMatchObject({ type: 'message', status: 'sent' }), eventually);
    const last = mine.result.current.items.at(-1);
    expect(last?.type === 'message' && last.editableUntil).toBe(last!.ts + 24 * 3_600_000);
  });

  it('renders an empty timeline without a client (server rendering)', () => {
    const { result } = renderHook(() => useTimeline('c1'), { wrapper: within(null) });
    expect(result.current.items).toEqual([]);
  });
});
