// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { createElement, type ReactNode } from 'react';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { ErrorCode, type ChatClient, type MessageView } from '@parley/client-sdk';
import { ParleyProvider, useConversations, useMessages, useSendMessage } from '@parley/client-sdk/react';
import { startServerProcess, type Teardown } from '../../test/support/server-process.js';

const teardown: Teardown = [];
afterEach(async () => {
  cleanup();
  for (const step of teardown.splice(0).reverse()) await step();
});

const within = (client: ChatClient) => ({ children }: { children: ReactNode }) => createElement(ParleyProvider, { client }, children);

const eventually = { timeout: 10_000 };

describe('useSendMessage against a real Parley server', () => {
  it('a refused send sets a readable error, clearError clears it, a good send leaves it null', async () => {
    const server = await startServerProcess(teardown);
    const alice = server.client('alice');
    const { id } = await alice.openDirect('bob');
    const { result } = renderHook(() => ({ actions: useSendMessage(id), messages: useMessages(id) }), { wrapper: within(alice) });
    expect(result.current.actions.error).toBeNull();

    let refusal: unknown;
    await act(() => result.current.actions.send('x'.repeat(8_001)).catch((err: unknown) => void (refusal = err)));
    const { error } = result.current.actions;
    expect(error?.code).toBe(ErrorCode.BAD_FRAME);
    expect(error?.message).toBe('A message can be at most 8,000 characters (this one has 8,001)');
    // The promise rejects with the same error the hook shows.
    expect(refusal).toBe(error);
    expect(result.current.messages.messages).toEqual([]);

    act(() => result.current.actions.clearError());
    expect(result.current.actions.error).toBeNull();

    await act(() => result.current.actions.send('').catch(() => undefined));
    expect(result.current.actions.error?.message).toBe("A message can't be empty");
    // A send that goes through clears the last refusal too.
    await act(async () => void (await result.current.actions.send('hello bob')));
    expect(result.current.actions.error).toBeNull();
    await waitFor(() => expect(result.current.messages.messages.map((m) => [m.text, m.status])).toEqual([['hello bob', 'sent']]), eventually);
    expect(result.current.actions.error).toBeNull();
  });

  it("sends custom data, a reply and mentions; the mentioned user's list counts the mention until read", async () => {
    const server = await startServerProcess(teardown);
    const alice = server.client('alice');
    const bob = server.client('bob');
    const { id } = await alice.createGroup({ title: 'team', members: ['bob'] });
    const sender = renderHook(() => ({ actions: useSendMessage(id), thread: useMessages(id) }), { wrapper: within(alice) });
    const reader = renderHook(() => ({ list: useConversations(), thread: useMessages(id) }), { wrapper: within(bob) });

    await act(async () => void (await sender.result.current.actions.send('the plan')));
    await waitFor(() => expect(sender.result.current.thread.messages[0]?.status).toBe('sent'), eventually);
    const plan = sender.result.current.thread.messages[0]!;
    await act(async () => void (await sender.result.current.actions.send({ custom: { kind: 'poll', options: ['yes', 'no'] } })));
    let reply: MessageView | undefined;
    await act(async () => void (reply = await sender.result.current.actions.send('@bob thoughts?', { replyTo: plan.id!, mentions: ['bob'] })));
    // Shown at once, quote included (the ack may already be in: the quote stays the same).
    expect(reply).toMatchObject({ status: 'pending', replyTo: { messageId: plan.id, preview: 'the plan' } });
    await waitFor(() => expect(sender.result.current.thread.messages.at(-1)).toMatchObject({ status: 'sent', replyTo: { seq: plan.seq, preview: 'the plan' } }), eventually);

    await waitFor(() => expect(reader.result.current.thread.messages).toHaveLength(3), eventually);
    expect(reader.result.current.thread.messages.map((m) => [m.text, m.custom, m.mentionsMe, m.replyTo?.preview])).toEqual([
      ['the plan', undefined, false, undefined],
      [undefined, { kind: 'poll', options: ['yes', 'no'] }, false, undefined],
      ['@bob thoughts?', undefined, true, 'the plan'],
    ]);
    expect(reader.result.current.list.conversations[0]).toMatchObject({ unread: 3, unreadMentions: 1 });
    expect(reader.result.current.list.totalUnreadMentions).toBe(1);
    act(() => bob.markRead(id));
    expect(reader.result.current.list.totalUnreadMentions).toBe(0);

    await act(() => sender.result.current.actions.send({ custom: { big: 'x'.repeat(5_000) } }).catch(() => undefined));
    expect(sender.result.current.actions.error?.message).toMatch(/^Custom data can be at most 4,096 bytes/);
  });
});
