// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ChatClient } from '@parley/client-sdk';
import { ParleyProvider, useMessageActions, useMessages, useSendMessage, useThread } from '@parley/client-sdk/react';
import { startServerProcess } from '../../test/support/server-process.js';

const teardown: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  cleanup();
  for (const step of teardown.splice(0).reverse()) await step();
});

const within = (client: ChatClient | null) => ({ children }: { children: ReactNode }) => createElement(ParleyProvider, { client }, children);
const eventually = { timeout: 10_000 };

describe('React hooks for changing messages and threads', () => {
  it('edits, reacts and deletes with useMessageActions: shown at once, then on the other side', async () => {
    const server = await startServerProcess(teardown);
    const alice = server.client('alice');
    const bob = server.client('bob');
    const { id } = await alice.openDirect('bob');
    const mine = renderHook(() => ({ list: useMessages(id), actions: useMessageActions(id) }), { wrapper: within(alice) });
    await act(() => alice.send(id, 'helo'));
    // Stored before bob's, so the order is known.
    await waitFor(() => expect(mine.result.current.list.messages[0]?.status).toBe('sent'), eventually);
    await bob.send(id, 'hi');
    const theirs = renderHook(() => useMessages(id), { wrapper: within(bob) });
    await waitFor(() => expect(mine.result.current.list.messages.map((m) => m.status)).toEqual(['sent', 'sent']), eventually);

    const [own, other] = mine.result.current.list.messages;
    await act(() => mine.result.current.actions.edit(own!, 'hello'));
    expect(mine.result.current.list.messages[0]).toMatchObject({ text: 'hello', editedAt: expect.any(Number) });
    await act(() => mine.result.current.actions.toggleReaction(other!, '👍'));
    expect(mine.result.current.list.messages[1]?.reactions).toEqual([{ key: '👍', count: 1, mine: true, userIds: ['alice'] }]);
    await waitFor(() => expect(theirs.result.current.messages.map((m) => [m.text, m.reactions.map((r) => r.count)])).toEqual([['hello', []], ['hi', [1]]]), eventually);

    // Toggling again takes the reaction back; someone else's message cannot be edited.
    await act(() => mine.result.current.actions.toggleReaction(mine.result.current.list.messages[1]!, '👍'));
    await act(() => mine.result.current.actions.edit(other!, 'not mine').catch(() => undefined));
    expect(mine.result.current.actions.error?.code).toBe(4030);
    await act(() => mine.result.current.actions.remove(own!));
    expect(mine.result.current.list.messages[0]).toMatchObject({ deleted: true });
    await waitFor(() => expect(theirs.result.current.messages.map((m) => [m.deleted, m.text, m.reactions.length])).toEqual([[true, undefined, 0], [false, 'hi', 0]]), eventually);
  });

  it('useThread shows a root with its replies, takes a reply at once, and pages older replies', async () => {
    const server = await startServerProcess(teardown);
    const alice = server.client('alice');
    const { id } = await alice.openDirect('bob');
    await alice.send(id, 'root');
    await new Promise<void>((resolve) => {
      const off = alice.subscribe(() => alice.getMessages(id)[0]?.id && (off(), resolve()));
    });
    const rootId = alice.getMessages(id)[0]!.id!;
    for (let i = 1; i <= 5; i += 1) await alice.send(id, `reply ${i}`, { threadId: rootId });
    await waitFor(() => expect(alice.getMessages(id)[0]?.replyCount).toBe(5), eventually);

    const bob = server.client('bob');
    const { result } = renderHook(() => ({ thread: useThread(id, rootId, { pageSize: 2 }), send: useSendMessage(id) }), { wrapper: within(bob) });
    await waitFor(() => expect(result.current.thread.replies.map((m) => m.text)).toEqual(['reply 4', 'reply 5']), eventually);
    expect(result.current.thread.root).toMatchObject({ text: 'root', replyCount: 5 });
    expect(result.current.thread.hasOlder).toBe(true);
    while (result.current.thread.hasOlder) await act(() => result.current.thread.loadOlder());
    expect(result.current.thread.replies.map((m) => m.text)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);

    await act(() => result.current.send.send('from bob', { threadId: rootId }));
    // Shown in the thread at once (pending, or sent already if the ack beat the render).
    expect(result.current.thread.replies.at(-1)).toMatchObject({ text: 'from bob', threadId: rootId });
    await waitFor(() => expect(result.current.thread.root?.replyCount).toBe(6), eventually);
    expect(result.current.thread.replies.at(-1)?.status).toBe('sent');
  });
});
